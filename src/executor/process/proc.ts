import { readFileSync } from 'node:fs';

/** The kernel's start time of a pid (field 22 of /proc/PID/stat), to tell a reused pid apart. */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined; // a zombie has exited
    return fields[19];
  } catch {
    return undefined;
  }
}

export function alive(pid: number, startTime: string): boolean {
  return procStartTime(pid) === startTime;
}

/** uid/gid for "name", "uid" or "uid:gid", from /etc/passwd. */
export function resolveUser(user: string): { uid: number; gid: number } {
  const [u, g] = user.split(':');
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':'));
  const entry = passwd.find((f) => f[0] === u || f[2] === u);
  if (!entry && !/^\d+$/.test(u)) throw new Error(`unable to find user ${u}: no matching entries in passwd file`);
  const uid = entry ? Number(entry[2]) : Number(u);
  let gid = entry ? Number(entry[3]) : uid;
  if (g !== undefined) {
    const groups = readFileSync('/etc/group', 'utf8').split('\n').map((l) => l.split(':'));
    const ge = groups.find((f) => f[0] === g || f[2] === g);
    if (!ge && !/^\d+$/.test(g)) throw new Error(`unable to find group ${g}: no matching entries in group file`);
    gid = ge ? Number(ge[2]) : Number(g);
  }
  return { uid, gid };
}
