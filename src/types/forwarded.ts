/**
 * A cluster write a follower hands to the leader: the route it names and what
 * that route reads, nothing else. The leader runs it in process through the
 * same route table and refuses anything the table does not mark as a
 * cluster write (no engine path, no /swarm/leave, no arbitrary URL).
 */
export interface ForwardedWrite {
  method: string;
  /** The route path, without its /vX.Y prefix. */
  path: string;
  /** The query string, without '?'. */
  query: string;
  /** Only the headers Docker's handlers read (FORWARDED_HEADERS), lower-case. */
  headers: Record<string, string>;
  /** The body, base64: bytes as the client sent them. */
  body: string;
}

export interface ForwardedReply {
  status: number;
  /** JSON text, '' for an empty answer. */
  body: string;
}
