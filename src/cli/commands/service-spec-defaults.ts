import type { ServiceSpec } from '../../types/objects.js';

/**
 * The image as the docker client library sends it (imageWithTagString): a
 * name with neither tag nor digest gets `:latest`; a reference that does not
 * parse is sent as it is.
 */
export function imageWithTag(image: string): string {
  if (image.includes('@')) return image;
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  if (lastPart.includes(':')) return image;
  return /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$|^[a-zA-Z0-9.-]+(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$/.test(image)
    ? `${image}:latest` : image;
}

/** What the docker CLI's `service create` always sends besides its flags: Init false and an empty DNSConfig (ToService). */
export function applyCreateDefaults(spec: ServiceSpec): void {
  const cs = (spec.TaskTemplate ??= {}).ContainerSpec ??= {};
  cs.Init ??= false;
  cs.DNSConfig ??= {};
}
