import { useQuery } from "@tanstack/react-query";
import { useQueryStream } from "@wirekit/react/query";

interface Order {
  readonly id: number;
  readonly item: string;
}

/** Orders fetched once with TanStack Query, then kept fresh by a channel. */
export function Orders() {
  const orders = useQuery({
    queryKey: ["orders"],
    queryFn: async (): Promise<Order[]> => (await fetch("/api/orders")).json(),
  });
  useQueryStream<Order, Order[]>({
    queryKey: ["orders"],
    source: { channel: "orders" },
    reduce: (list, order) => list && [...list, order],
  });
  return (
    <ul>
      {(orders.data ?? []).map((order) => (
        <li key={order.id}>{order.item}</li>
      ))}
    </ul>
  );
}
