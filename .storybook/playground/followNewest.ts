import { type RefObject, useLayoutEffect, useRef } from "react";

/** How near the bottom still counts as at the bottom: zoom and fractional pixels leave a few. */
const SLACK = 8;

export interface FollowNewest<T extends HTMLElement> {
  /** For the scrolling list. */
  readonly ref: RefObject<T | null>;
  /** For the list's `onScroll`: a reader who scrolls up stops the following. */
  readonly onScroll: () => void;
}

/**
 * Keeps a scrolling list on its newest (last) item as items arrive, as a terminal or a chat does,
 * unless the reader has scrolled up to read: then it stays where they are, and follows again once
 * they scroll back to the bottom. `items` is what changes when an item arrives.
 */
export function useFollowNewest<T extends HTMLElement>(items: unknown): FollowNewest<T> {
  const ref = useRef<T>(null);
  const following = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll whenever the items change.
  useLayoutEffect(() => {
    const element = ref.current;
    if (element !== null && following.current) element.scrollTop = element.scrollHeight;
  }, [items]);
  const onScroll = () => {
    const element = ref.current;
    if (element === null) return;
    following.current = element.scrollHeight - element.scrollTop - element.clientHeight <= SLACK;
  };
  return { ref, onScroll };
}
