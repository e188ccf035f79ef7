// "Download my contributions": a participant's own ideas, ballots and topics, as a JSON file.
import { api, readSession } from "./ui.js";

const eventId = document.body.dataset.eventId;
const button = document.getElementById("mine-download");
const message = document.getElementById("mine-message");

button?.addEventListener("click", async () => {
  const session = readSession(eventId);
  if (!session) return;
  message.textContent = "Preparing…";
  try {
    const data = await api(`/api/events/${encodeURIComponent(eventId)}/mine`, { token: session.token });
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `my-contributions-${eventId}.json`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    message.textContent = `Saved ${data.ideas.length} idea(s).`;
  } catch (err) {
    message.textContent = err?.message || "Could not download right now; try again.";
  }
});
