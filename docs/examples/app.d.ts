// What the examples assume of the reader's app: its own functions, types and state, which each
// example uses without defining. The examples themselves are compiled as written.

import type { StandardSchema } from "@wirekit/core";
import type { ReactNode } from "react";

declare global {
  interface Message {
    readonly id: string;
    readonly text: string;
  }
  interface ChatMessage {
    readonly text: string;
  }
  interface RoomData {
    readonly messages: readonly Message[];
  }
  interface Price {
    readonly symbol: string;
    readonly price: number;
  }
  const PriceSchema: StandardSchema<Price>;
  const auth: { freshToken(): Promise<string>; refresh(): Promise<boolean> };
  const Authorization: string;
  const banner: { show(...details: unknown[]): void };
  const retryButton: { onclick: (() => void) | null };
  const stopButton: { onclick: (() => void) | null };
  const chatStore: import("zustand").StoreApi<{ messages: ChatMessage[] }>;
  const messages: ReadonlyArray<{ role: string; content: string }>;
  function render(...values: unknown[]): void;
  function append(text: string): void;
  function addMessage(id: string | undefined, data: unknown): void;
  function showError(...details: unknown[]): void;
  function markSent(id: string | undefined): void;
  function markFailed(code: string): void;
  function refetchHistory(id?: string): void;
  function fetchRoom(id: string): Promise<RoomData>;
  /** The app's own token check: who it names and when it expires, or null. */
  function verify(
    token: string,
  ): Promise<{ name: string; rooms: string[]; expiresAt: number } | null>;
  function sessionFromCookie(cookie: string | undefined): string | undefined;
  function Messages(props: {
    items: readonly unknown[];
    onSend?: (text: string) => void;
  }): ReactNode;
  function Composer(props: { onSend: (text: string) => void; disabled?: boolean }): ReactNode;
  function Retry(props: { at: number | null; onClick: () => void }): ReactNode;
  function Ticker(props: { status: string; price: unknown }): ReactNode;
}
