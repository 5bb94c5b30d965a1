import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";

// The server's address and who is chatting come from the page's URL: ?api=http://…&user=ada
const params = new URLSearchParams(window.location.search);
const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root");

createRoot(root).render(
  <StrictMode>
    <App api={params.get("api") ?? "http://localhost:8787"} user={params.get("user") ?? "guest"} />
  </StrictMode>,
);
