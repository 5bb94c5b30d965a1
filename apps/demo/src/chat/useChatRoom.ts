import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRealtime } from "@wirekit/react";
import { useEffect, useMemo, useState } from "react";
import {
  type ChatMessage,
  mergeMessages,
  parseChatMessage,
  type StoredMessage,
} from "./messages.js";

/** A message this tab sent: `sending` until the server's ack, then `sent`; `failed` says why. */
export interface OutgoingMessage extends ChatMessage {
  readonly state: "sending" | "sent" | "failed";
  readonly reason?: string;
}

interface History {
  readonly messages: readonly StoredMessage[];
  /** The room's newest id when the history was read. */
  readonly position: string;
}

const LIVE_WINDOW = 500;

async function fetchHistory(room: string): Promise<History> {
  const response = await fetch(`/api/rooms/${encodeURIComponent(room)}/messages?limit=100`);
  if (!response.ok) throw new Error(`History: ${response.status} ${response.statusText}`);
  const body = (await response.json()) as {
    position: string;
    messages: Array<{ id: string; data: unknown }>;
  };
  const messages: StoredMessage[] = [];
  for (const { id, data } of body.messages) {
    try {
      messages.push({ ...parseChatMessage(data), id });
    } catch {
      // A malformed stored message is skipped; the rest of the room still shows.
    }
  }
  return { messages, position: body.position };
}

/**
 * A chat room: history through TanStack Query, live messages from the `room:` channel, merged by
 * id. The history is read only once the subscription is live, so nothing published between the
 * two falls through; a resubscription that reports a gap (`recovered: false`) refetches it.
 */
export function useChatRoom(room: string, nick: string) {
  const channel = useRealtime<ChatMessage, readonly StoredMessage[]>(`room:${room}`, {
    parse: parseChatMessage,
    delivery: {
      mode: "reducer",
      reducer: (live, message, { id }) => [
        ...live.slice(-(LIVE_WINDOW - 1)),
        { ...message, id: id ?? "" },
      ],
      initialState: [],
    },
  });
  const subscription = channel.subscription;
  const queryClient = useQueryClient();
  const history = useQuery({
    queryKey: ["room", room, "messages"],
    queryFn: () => fetchHistory(room),
    enabled: subscription !== null,
    staleTime: Number.POSITIVE_INFINITY,
  });

  // A resubscription that could not replay what was missed: the history fills the gap.
  useEffect(() => {
    if (subscription?.recovered === false) {
      void queryClient.invalidateQueries({ queryKey: ["room", room, "messages"] });
    }
  }, [subscription, queryClient, room]);

  const messages = useMemo(
    () => mergeMessages(history.data?.messages ?? [], channel.state ?? []),
    [history.data, channel.state],
  );

  // The page keys the room's component by room, so a new room starts with nothing in flight.
  const [outgoing, setOutgoing] = useState<readonly OutgoingMessage[]>([]);

  const update = (mid: string, change: Partial<OutgoingMessage>) =>
    setOutgoing((list) =>
      list.map((message) => (message.mid === mid ? { ...message, ...change } : message)),
    );

  const publish = (message: ChatMessage) => {
    channel.publish(message).then(
      () => update(message.mid, { state: "sent" }),
      (error: unknown) => update(message.mid, { state: "failed", reason: describe(error) }),
    );
  };

  return {
    status: channel,
    history,
    messages,
    outgoing,
    /** Sends now, or queues it until the connection is back (up to the queue's TTL). */
    send(text: string) {
      const message: ChatMessage = { mid: crypto.randomUUID(), nick, text, at: Date.now() };
      setOutgoing((list) => [...list, { ...message, state: "sending" }]);
      publish(message);
    },
    /** Sends a failed message again, with its `mid`, so a double delivery still shows once. */
    retry(mid: string) {
      const message = outgoing.find((candidate) => candidate.mid === mid);
      if (message === undefined) return;
      update(mid, { state: "sending" });
      publish({ mid: message.mid, nick: message.nick, text: message.text, at: message.at });
    },
  };
}

function describe(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = String((error as { code: unknown }).code);
    if (code === "expired") return "not sent: offline for too long";
    if (code === "timeout") return "no answer from the server";
    if (code === "server") return "refused by the server";
  }
  return error instanceof Error ? error.message : "not sent";
}
