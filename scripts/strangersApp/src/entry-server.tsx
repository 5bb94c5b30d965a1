import { StrictMode } from "react";
import { renderToString } from "react-dom/server";
import { App, type AppProps } from "./App.tsx";

/** The app as a server renders it, before any JavaScript runs in the browser. */
export function render(props: AppProps): string {
  return renderToString(
    <StrictMode>
      <App {...props} />
    </StrictMode>,
  );
}
