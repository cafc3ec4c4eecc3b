// Host names that mean this machine: `localhost`, 127.0.0.0/8 and ::1, as an address (HOST) or as a URL
// writes it ([::1]).
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}
