/**
 * The image as the docker client sends it to `POST /services/create` and
 * `/update` (moby's client imageWithTagString): a reference with neither tag
 * nor digest gets `:latest`, and a Docker Hub name its short form
 * (`docker.io/library/busybox` → `busybox:latest`). A reference that does not
 * parse (upper case, a bad character) is sent as written, as docker does.
 */
const NAME_PART = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export function imageWithDefaultTag(image: string): string {
  if (image.includes('@')) return image;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const tagged = colon > slash;
  const name = tagged ? image.slice(0, colon) : image;
  const tag = tagged ? image.slice(colon + 1) : 'latest';
  if (!TAG.test(tag)) return image;
  const parts = name.split('/');
  // A first part with a dot or a port, or "localhost", is a registry.
  const registry = parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost') ? parts.shift()! : undefined;
  if (parts.length === 0 || !parts.every((p) => NAME_PART.test(p))) return image;
  let path = parts.join('/');
  if (registry && !['docker.io', 'index.docker.io'].includes(registry)) return `${registry}/${path}:${tag}`;
  if (path.startsWith('library/') && parts.length === 2) path = path.slice('library/'.length);
  return `${path}:${tag}`;
}
