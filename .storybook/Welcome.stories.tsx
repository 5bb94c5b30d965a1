import type { Meta, StoryObj } from "@storybook/react-vite";

function Welcome() {
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: "40rem", lineHeight: 1.5 }}>
      <h1>wirekit playground</h1>
      <p>
        Realtime for React, boringly reliable. Stories for every hook and UI piece arrive here,
        backed by an in-memory server so they need no backend.
      </p>
    </main>
  );
}

const meta = { title: "Welcome", component: Welcome } satisfies Meta<typeof Welcome>;
export default meta;

export const Default: StoryObj<typeof meta> = {};
