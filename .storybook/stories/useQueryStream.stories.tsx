import type { Meta, StoryObj } from "@storybook/react-vite";
import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { webSocketChannels } from "@wirekit/core";
import { useConnectionStatus } from "@wirekit/react";
import { useQueryStream } from "@wirekit/react/query";
import { useState } from "react";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { useFollowNewest } from "../playground/followNewest.js";
import { ConnectionStatusBadge } from "../playground/pieces.js";
import {
  every,
  type Playground,
  playgroundSettings,
  usePlayground,
  withPlayground,
} from "../playground/playground.js";
import { playInTests } from "../playground/playInTests.js";

interface Order {
  readonly id: number;
  readonly item: string;
}

const ITEMS = ["coffee", "bagel", "tea", "muffin", "juice"];
const order = (id: number): Order => ({ id, item: ITEMS[id % ITEMS.length] ?? "coffee" });

/**
 * Orders: three exist before the page loads (what the REST endpoint answers); new ones are
 * published on a channel once someone listens, and keep coming while the socket is down.
 */
function ordersBackend({ channels, rate }: Playground) {
  for (let id = 1; id <= 3; id++) channels.publish("orders", order(id));
  let next = 4;
  let started = false;
  return every(rate, (count) => {
    started ||= channels.subscribers("orders") > 0;
    if (!started) return;
    for (let i = 0; i < count; i++) channels.publish("orders", order(next++));
  });
}

/**
 * A list fetched with TanStack Query and kept fresh by a channel: `useQueryStream` folds every
 * message into the cached data, and invalidates the query when the channel reports a gap.
 */
function Orders() {
  const { server } = usePlayground();
  const [client] = useState(() => new QueryClient());
  return (
    <QueryClientProvider client={client}>
      <OrderList
        endpoint={{
          url: "ws://playground.test/realtime",
          WebSocket: server.WebSocket,
          ...playgroundSettings,
        }}
      />
    </QueryClientProvider>
  );
}

function OrderList({ endpoint }: { endpoint: { url: string; WebSocket: typeof WebSocket } }) {
  const { channels } = usePlayground();
  const orders = useQuery({
    queryKey: ["orders"],
    // What a REST endpoint would answer on load, a round trip later: the orders so far.
    queryFn: async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return channels.history("orders").map((message) => message.data as Order);
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
  useQueryStream<Order, Order[]>({
    queryKey: ["orders"],
    source: { channel: "orders", endpoint },
    parse: (data) => data as Order,
    reduce: (list, next) =>
      list === undefined || list.some((o) => o.id === next.id) ? list : [...list, next],
  });
  // The channel's socket: the one the channels ride on.
  const connection = useConnectionStatus(webSocketChannels(endpoint).endpoint);
  const ids = (orders.data ?? []).map((o) => o.id);
  const follow = useFollowNewest<HTMLOListElement>(orders.data);
  return (
    <div style={{ display: "grid", gap: 8 }}>
      <ConnectionStatusBadge status={connection.status} />
      <p style={{ margin: 0 }}>
        {ids.length} orders, newest #{ids.at(-1) ?? "–"}
      </p>
      <ol
        ref={follow.ref}
        onScroll={follow.onScroll}
        aria-label="Orders"
        style={{ margin: 0, maxHeight: 200, overflow: "auto" }}
      >
        {(orders.data ?? []).map((o) => (
          <li key={o.id}>
            #{o.id} {o.item}
          </li>
        ))}
      </ol>
    </div>
  );
}

const meta = {
  title: "Hooks/useQueryStream",
  component: Orders,
  decorators: [withPlayground],
  parameters: { playground: { backend: ordersBackend, rate: 4 } },
} satisfies Meta<typeof Orders>;
export default meta;
type Story = StoryObj<typeof meta>;

export const LiveList: Story = {
  play: playInTests(async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const ids = () =>
      within(canvas.getByRole("list", { name: "Orders" }))
        .queryAllByRole("listitem")
        .map((item) => Number(item.textContent?.match(/#(\d+)/)?.[1]));
    await waitFor(() => expect(ids().length).toBeGreaterThan(5));
    await step(
      "drop the socket: the list carries on from where it was, each order once",
      async () => {
        await userEvent.click(canvas.getByRole("button", { name: "Drop connection" }));
        const before = ids().length;
        await waitFor(() => expect(ids().length).toBeGreaterThan(before + 3));
        const seen = ids();
        expect(seen).toEqual(seen.map((_id, index) => index + 1));
      },
    );
  }),
};
