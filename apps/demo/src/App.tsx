import { Chat } from "./chat/Chat.js";
import { Dashboard } from "./dashboard/Dashboard.js";
import { Link, useLocation } from "./router.js";

export function App() {
  const { pathname } = useLocation();
  return (
    <>
      <header className="top">
        <Link to="/" className="brand">
          wirekit <span>demo</span>
        </Link>
        <nav aria-label="Pages">
          <Link to="/dashboard" current={pathname === "/dashboard"}>
            Dashboard <small>SSE</small>
          </Link>
          <Link to="/chat" current={pathname === "/chat"}>
            Chat <small>WebSocket</small>
          </Link>
        </nav>
      </header>
      {pathname === "/dashboard" ? <Dashboard /> : pathname === "/chat" ? <Chat /> : <Home />}
    </>
  );
}

function Home() {
  return (
    <main className="page home">
      <h1>Realtime in React, boringly reliable</h1>
      <p className="lede">
        Two small apps on <code>@wirekit/react</code> and the reference server{" "}
        <code>@wirekit/server</code>. Stop the server, hide the tab, go offline: they recover
        without losing or repeating a message.
      </p>
      <div className="cards">
        <article className="card">
          <h2>
            <Link to="/dashboard">Server dashboard</Link>
          </h2>
          <p>
            Live metrics over one Server-Sent Events stream: named events, charts, an event log with
            ids, and controls to drop the stream or change its rate.
          </p>
        </article>
        <article className="card">
          <h2>
            <Link to="/chat">Chat</Link>
          </h2>
          <p>
            Rooms as channels over one WebSocket: acknowledged sends, typing, presence, history
            through TanStack Query, and a queue for what you type while offline.
          </p>
        </article>
      </div>
    </main>
  );
}
