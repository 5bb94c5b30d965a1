import { usePresence } from "@wirekit/react";

/** Who is in the room, as the server tracks it; inside <RealtimeProvider endpoint={{ url }}>. */
export function WhoIsHere({ nick }: { nick: string }) {
  const { members, self } = usePresence("room:42", { data: { nick } });
  return (
    <ul>
      {members.map((member) => (
        <li key={member.id}>
          {(member.data as { nick: string }).nick}
          {member.id === self && " (you)"}
        </li>
      ))}
    </ul>
  );
}
