import { useEventStream } from "@wirekit/react";

interface Price {
  readonly symbol: string;
  readonly amount: number;
}

/** The latest price from a Server-Sent Events stream, and what the connection is doing. */
export function LatestPrice() {
  const { status, data } = useEventStream<Price>("/api/prices", {
    events: ["price"],
    parse: "json",
  });
  if (data === undefined) return <p>Waiting for the first price… ({status})</p>;
  return (
    <p>
      {data.symbol} {data.amount.toFixed(2)} {status === "open" ? "" : `(${status})`}
    </p>
  );
}
