/** Counts of active libuv resources by kind (TCPSocketWrap, TCPServerWrap, Timeout …), for leak tests. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}
