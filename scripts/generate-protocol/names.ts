// Naming rules for generated identifiers and files.

/** Field names: lower-case the first letter, as Kafka's own generator does (ClusterId -> clusterId). */
export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Module file names: ProduceRequest -> produce-request, KRaftVersionRecord -> k-raft-version-record. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** Nested struct types are prefixed with the message name, unless the schema already did so. */
export function structTypeName(messageName: string, structName: string): string {
  return structName.startsWith(messageName) ? structName : messageName + structName;
}

/** The API name used by the registry: ProduceRequest -> Produce. */
export function apiName(requestName: string): string {
  return requestName.replace(/Request$/, '');
}

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally ' +
    'for function if import in instanceof new null return super switch this throw true try typeof var void ' +
    'while with yield let static implements interface package private protected public await ' +
    'arguments eval undefined NaN Infinity ' +
    // names the generated functions use for their own parameters
    'r w m version'
  ).split(' '),
);

/** A local variable name for a field that cannot clash with keywords or the generated code's own names. */
export function localName(camel: string): string {
  return RESERVED.has(camel) ? `${camel}_` : camel;
}
