// What `docker <command> --help` says (docker CLI 28.2) for the commands tswarm
// has: each command's description, its aliases (as command paths) and, per
// flag docker lists, [value type as shown, description, default as shown].
// help.ts lays it out; a command's FlagSpec decides which of these flags it
// shows (a flag tswarm does not accept is left out). Command paths are the
// `path` of the usage.ts Command the command parses with.

export interface CommandHelp {
  short: string;
  /** the command's own path first, then its aliases, as docker's "Aliases:" block lists them */
  aliases?: string[];
  flags: Record<string, [type: string, text: string, def?: string | Custom]>;
}

/**
 * A flag of docker's own value type (opts.ListOpts, MemBytes, …) rather than
 * one of pflag's: pflag shows its default only once the flag has a value, so
 * `service create --replicas 2 --help` says "Number of tasks (default )".
 */
export interface Custom { custom: string }
const CUSTOM: Custom = { custom: '' };
const CUSTOM_0: Custom = { custom: '0' };

/** A command group: its description and the subcommands tswarm has. */
export interface GroupHelp { short: string; commands: string[] }

const DATA_PATH_ADDR = 'Address or interface to use for data path traffic (format: "<ip|interface>")';
const FORMAT_JSON_OR_TEMPLATE = 'Format output using a custom template:\n\'json\':             Print in JSON format\n\'TEMPLATE\':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates';
const FORMAT_TABLE_JSON_OR_TEMPLATE = 'Format output using a custom template:\n\'table\':            Print output in table format with column headers (default)\n\'table TEMPLATE\':   Print output in table format using the given Go template\n\'json\':             Print in JSON format\n\'TEMPLATE\':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates';
const DETACH = 'Exit immediately instead of waiting for the service to converge';
const HEALTH_START_INTERVAL = 'Time between running the check during the start period (ms|s|m|h)';
const HEALTH_START_PERIOD = 'Start period for the container to initialize before counting retries towards unstable (ms|s|m|h)';
const INIT = 'Use an init inside each service container to forward signals and reap processes';
const NO_RESOLVE_IMAGE = 'Do not query the registry to resolve image digest and supported platforms';
const ROLLBACK_MONITOR = 'Duration after each task rollback to monitor for failure (ns|us|ms|s|m|h)';
const ROLLBACK_PARALLELISM = 'Maximum number of tasks rolled back simultaneously (0 to roll back all at once)';
const STOP_GRACE_PERIOD = 'Time to wait before force killing a container (ns|us|ms|s|m|h)';
const UPDATE_MONITOR = 'Duration after each task update to monitor for failure (ns|us|ms|s|m|h)';
const UPDATE_PARALLELISM = 'Maximum number of tasks updated simultaneously (0 to update all at once)';

/** `secret` and `config` inspect, ls and rm: the same help but for the kind's name. */
function payloadCommands(kind: 'secret' | 'config'): Record<string, CommandHelp> {
  return {
    [`${kind} inspect`]: {
      short: `Display detailed information on one or more ${kind}s`,
      flags: {
        format: ['string', FORMAT_JSON_OR_TEMPLATE],
        pretty: ['', 'Print the information in a human friendly format'],
      },
    },
    [`${kind} ls`]: {
      short: `List ${kind}s`,
      aliases: [`${kind} ls`, `${kind} list`],
      flags: {
        filter: ['filter', 'Filter output based on conditions provided', CUSTOM],
        format: ['string', FORMAT_TABLE_JSON_OR_TEMPLATE],
        quiet: ['', 'Only display IDs'],
      },
    },
    [`${kind} rm`]: {
      short: `Remove one or more ${kind}s`,
      aliases: [`${kind} rm`, `${kind} remove`],
      flags: {},
    },
  };
}

export const COMMANDS: Record<string, CommandHelp> = {
  'swarm ca': {
    short: 'Display and rotate the root CA',
    flags: {
      'ca-cert': ['pem-file', 'Path to the PEM-formatted root CA certificate to use for the new cluster', CUSTOM],
      'ca-key': ['pem-file', 'Path to the PEM-formatted root CA key to use for the new cluster', CUSTOM],
      'cert-expiry': ['duration', 'Validity period for node certificates (ns|us|ms|s|m|h)', '2160h0m0s'],
      detach: ['', 'Exit immediately instead of waiting for the root rotation to converge'],
      'external-ca': ['external-ca', 'Specifications of one or more certificate signing endpoints', CUSTOM],
      quiet: ['', 'Suppress progress output'],
      rotate: ['', 'Rotate the swarm CA - if no certificate or key are provided, new ones will be generated'],
    },
  },
  'swarm init': {
    short: 'Initialize a swarm',
    flags: {
      'advertise-addr': ['string', 'Advertised address (format: "<ip|interface>[:port]")'],
      autolock: ['', 'Enable manager autolocking (requiring an unlock key to start a stopped manager)'],
      availability: ['string', 'Availability of the node ("active", "pause", "drain")', '"active"'],
      'cert-expiry': ['duration', 'Validity period for node certificates (ns|us|ms|s|m|h)', '2160h0m0s'],
      'data-path-addr': ['string', DATA_PATH_ADDR],
      'data-path-port': ['uint32', 'Port number to use for data path traffic (1024 - 49151). If no value is set or is set to 0, the default port (4789) is used.'],
      'default-addr-pool': ['ipNetSlice', 'default address pool in CIDR format', '[]'],
      'default-addr-pool-mask-length': ['uint32', 'default address pool subnet mask length', '24'],
      'dispatcher-heartbeat': ['duration', 'Dispatcher heartbeat period (ns|us|ms|s|m|h)', '5s'],
      'external-ca': ['external-ca', 'Specifications of one or more certificate signing endpoints', CUSTOM],
      'force-new-cluster': ['', 'Force create a new cluster from current state'],
      'listen-addr': ['node-addr', 'Listen address (format: "<ip|interface>[:port]")', '0.0.0.0:2377'],
      'max-snapshots': ['uint', 'Number of additional Raft snapshots to retain'],
      'snapshot-interval': ['uint', 'Number of log entries between Raft snapshots', '10000'],
      'task-history-limit': ['int', 'Task history retention limit', '5'],
    },
  },
  'swarm join': {
    short: 'Join a swarm as a node and/or manager',
    flags: {
      'advertise-addr': ['string', 'Advertised address (format: "<ip|interface>[:port]")'],
      availability: ['string', 'Availability of the node ("active", "pause", "drain")', '"active"'],
      'data-path-addr': ['string', DATA_PATH_ADDR],
      'listen-addr': ['node-addr', 'Listen address (format: "<ip|interface>[:port]")', '0.0.0.0:2377'],
      token: ['string', 'Token for entry into the swarm'],
    },
  },
  'swarm join-token': {
    short: 'Manage join tokens',
    flags: {
      quiet: ['', 'Only display token'],
      rotate: ['', 'Rotate join token'],
    },
  },
  'swarm leave': {
    short: 'Leave the swarm',
    flags: {
      force: ['', 'Force this node to leave the swarm, ignoring warnings'],
    },
  },
  'swarm unlock': {
    short: 'Unlock swarm',
    flags: {},
  },
  'swarm unlock-key': {
    short: 'Manage the unlock key',
    flags: {
      quiet: ['', 'Only display token'],
      rotate: ['', 'Rotate unlock key'],
    },
  },
  'swarm update': {
    short: 'Update the swarm',
    flags: {
      autolock: ['', 'Change manager autolocking setting (true|false)'],
      'cert-expiry': ['duration', 'Validity period for node certificates (ns|us|ms|s|m|h)', '2160h0m0s'],
      'dispatcher-heartbeat': ['duration', 'Dispatcher heartbeat period (ns|us|ms|s|m|h)', '5s'],
      'external-ca': ['external-ca', 'Specifications of one or more certificate signing endpoints', CUSTOM],
      'max-snapshots': ['uint', 'Number of additional Raft snapshots to retain'],
      'snapshot-interval': ['uint', 'Number of log entries between Raft snapshots', '10000'],
      'task-history-limit': ['int', 'Task history retention limit', '5'],
    },
  },
  'node demote': {
    short: 'Demote one or more nodes from manager in the swarm',
    flags: {},
  },
  'node inspect': {
    short: 'Display detailed information on one or more nodes',
    flags: {
      format: ['string', FORMAT_JSON_OR_TEMPLATE],
      pretty: ['', 'Print the information in a human friendly format'],
    },
  },
  'node ls': {
    short: 'List nodes in the swarm',
    aliases: ['node ls', 'node list'],
    flags: {
      filter: ['filter', 'Filter output based on conditions provided', CUSTOM],
      format: ['string', FORMAT_TABLE_JSON_OR_TEMPLATE],
      quiet: ['', 'Only display IDs'],
    },
  },
  'node promote': {
    short: 'Promote one or more nodes to manager in the swarm',
    flags: {},
  },
  'node ps': {
    short: 'List tasks running on one or more nodes, defaults to current node',
    flags: {
      filter: ['filter', 'Filter output based on conditions provided', CUSTOM],
      format: ['string', 'Pretty-print tasks using a Go template'],
      'no-resolve': ['', 'Do not map IDs to Names'],
      'no-trunc': ['', 'Do not truncate output'],
      quiet: ['', 'Only display task IDs'],
    },
  },
  'node rm': {
    short: 'Remove one or more nodes from the swarm',
    aliases: ['node rm', 'node remove'],
    flags: {
      force: ['', 'Force remove a node from the swarm'],
    },
  },
  'node update': {
    short: 'Update a node',
    flags: {
      availability: ['string', 'Availability of the node ("active", "pause", "drain")'],
      'label-add': ['list', 'Add or update a node label ("key=value")', CUSTOM],
      'label-rm': ['list', 'Remove a node label if exists', CUSTOM],
      role: ['string', 'Role of the node ("worker", "manager")'],
    },
  },
  'service create': {
    short: 'Create a new service',
    flags: {
      'cap-add': ['list', 'Add Linux capabilities', CUSTOM],
      'cap-drop': ['list', 'Drop Linux capabilities', CUSTOM],
      config: ['config', 'Specify configurations to expose to the service', CUSTOM],
      constraint: ['list', 'Placement constraints', CUSTOM],
      'container-label': ['list', 'Container labels', CUSTOM],
      'credential-spec': ['credential-spec', 'Credential spec for managed service account (Windows only)', CUSTOM],
      detach: ['', DETACH],
      dns: ['list', 'Set custom DNS servers', CUSTOM],
      'dns-option': ['list', 'Set DNS options', CUSTOM],
      'dns-search': ['list', 'Set custom DNS search domains', CUSTOM],
      'endpoint-mode': ['string', 'Endpoint mode (vip or dnsrr)', '"vip"'],
      entrypoint: ['command', 'Overwrite the default ENTRYPOINT of the image', CUSTOM],
      env: ['list', 'Set environment variables', CUSTOM],
      'env-file': ['list', 'Read in a file of environment variables', CUSTOM],
      'generic-resource': ['list', 'User defined resources', CUSTOM],
      group: ['list', 'Set one or more supplementary user groups for the container', CUSTOM],
      'health-cmd': ['string', 'Command to run to check health'],
      'health-interval': ['duration', 'Time between running the check (ms|s|m|h)', CUSTOM],
      'health-retries': ['int', 'Consecutive failures needed to report unhealthy'],
      'health-start-interval': ['duration', HEALTH_START_INTERVAL, CUSTOM],
      'health-start-period': ['duration', HEALTH_START_PERIOD, CUSTOM],
      'health-timeout': ['duration', 'Maximum time to allow one check to run (ms|s|m|h)', CUSTOM],
      host: ['list', 'Set one or more custom host-to-IP mappings (host:ip)', CUSTOM],
      hostname: ['string', 'Container hostname'],
      init: ['', INIT],
      isolation: ['string', 'Service container isolation mode'],
      label: ['list', 'Service labels', CUSTOM],
      'limit-cpu': ['decimal', 'Limit CPUs', CUSTOM],
      'limit-memory': ['bytes', 'Limit Memory', CUSTOM_0],
      'limit-pids': ['int', 'Limit maximum number of processes (default 0 = unlimited)'],
      'log-driver': ['string', 'Logging driver for service'],
      'log-opt': ['list', 'Logging driver options', CUSTOM],
      'max-concurrent': ['uint', 'Number of job tasks to run concurrently (default equal to --replicas)', CUSTOM],
      mode: ['string', 'Service mode ("replicated", "global", "replicated-job", "global-job")', '"replicated"'],
      mount: ['mount', 'Attach a filesystem mount to the service', CUSTOM],
      name: ['string', 'Service name'],
      network: ['network', 'Network attachments'],
      'no-healthcheck': ['', 'Disable any container-specified HEALTHCHECK'],
      'no-resolve-image': ['', NO_RESOLVE_IMAGE],
      'oom-score-adj': ['int', 'Tune host\'s OOM preferences (-1000 to 1000) '],
      'placement-pref': ['pref', 'Add a placement preference', CUSTOM],
      publish: ['port', 'Publish a port as a node port', CUSTOM],
      quiet: ['', 'Suppress progress output'],
      'read-only': ['', 'Mount the container\'s root filesystem as read only'],
      replicas: ['uint', 'Number of tasks', CUSTOM],
      'replicas-max-per-node': ['uint', 'Maximum number of tasks per node (default 0 = unlimited)'],
      'reserve-cpu': ['decimal', 'Reserve CPUs', CUSTOM],
      'reserve-memory': ['bytes', 'Reserve Memory', CUSTOM_0],
      'restart-condition': ['string', 'Restart when condition is met ("none", "on-failure", "any")', '"any"'],
      'restart-delay': ['duration', 'Delay between restart attempts (ns|us|ms|s|m|h) (default 5s)', CUSTOM],
      'restart-max-attempts': ['uint', 'Maximum number of restarts before giving up', CUSTOM],
      'restart-window': ['duration', 'Window used to evaluate the restart policy (ns|us|ms|s|m|h)', CUSTOM],
      'rollback-delay': ['duration', 'Delay between task rollbacks (ns|us|ms|s|m|h)', '0s'],
      'rollback-failure-action': ['string', 'Action on rollback failure ("pause", "continue")', '"pause"'],
      'rollback-max-failure-ratio': ['float', 'Failure rate to tolerate during a rollback (default 0)', CUSTOM_0],
      'rollback-monitor': ['duration', ROLLBACK_MONITOR, '5s'],
      'rollback-order': ['string', 'Rollback order ("start-first", "stop-first")', '"stop-first"'],
      'rollback-parallelism': ['uint', ROLLBACK_PARALLELISM, '1'],
      secret: ['secret', 'Specify secrets to expose to the service', CUSTOM],
      'stop-grace-period': ['duration', `${STOP_GRACE_PERIOD} (default 10s)`, CUSTOM], // docker's words: pflag's default is empty
      'stop-signal': ['string', 'Signal to stop the container'],
      sysctl: ['list', 'Sysctl options', CUSTOM],
      tty: ['', 'Allocate a pseudo-TTY'],
      ulimit: ['ulimit', 'Ulimit options', '[]'],
      'update-delay': ['duration', 'Delay between updates (ns|us|ms|s|m|h)', '0s'],
      'update-failure-action': ['string', 'Action on update failure ("pause", "continue", "rollback")', '"pause"'],
      'update-max-failure-ratio': ['float', 'Failure rate to tolerate during an update (default 0)', CUSTOM_0],
      'update-monitor': ['duration', UPDATE_MONITOR, '5s'],
      'update-order': ['string', 'Update order ("start-first", "stop-first")', '"stop-first"'],
      'update-parallelism': ['uint', UPDATE_PARALLELISM, '1'],
      user: ['string', 'Username or UID (format: <name|uid>[:<group|gid>])'],
      'with-registry-auth': ['', 'Send registry authentication details to swarm agents'],
      workdir: ['string', 'Working directory inside the container'],
    },
  },
  'service inspect': {
    short: 'Display detailed information on one or more services',
    flags: {
      format: ['string', FORMAT_JSON_OR_TEMPLATE],
      pretty: ['', 'Print the information in a human friendly format'],
    },
  },
  'service logs': {
    short: 'Fetch the logs of a service or task',
    flags: {
      details: ['', 'Show extra details provided to logs'],
      follow: ['', 'Follow log output'],
      'no-resolve': ['', 'Do not map IDs to Names in output'],
      'no-task-ids': ['', 'Do not include task IDs in output'],
      'no-trunc': ['', 'Do not truncate output'],
      raw: ['', 'Do not neatly format logs'],
      since: ['string', 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)'],
      tail: ['string', 'Number of lines to show from the end of the logs', '"all"'],
      timestamps: ['', 'Show timestamps'],
    },
  },
  'service ls': {
    short: 'List services',
    aliases: ['service ls', 'service list'],
    flags: {
      filter: ['filter', 'Filter output based on conditions provided', CUSTOM],
      format: ['string', FORMAT_TABLE_JSON_OR_TEMPLATE],
      quiet: ['', 'Only display IDs'],
    },
  },
  'service ps': {
    short: 'List the tasks of one or more services',
    flags: {
      filter: ['filter', 'Filter output based on conditions provided', CUSTOM],
      format: ['string', 'Pretty-print tasks using a Go template'],
      'no-resolve': ['', 'Do not map IDs to Names'],
      'no-trunc': ['', 'Do not truncate output'],
      quiet: ['', 'Only display task IDs'],
    },
  },
  'service rm': {
    short: 'Remove one or more services',
    aliases: ['service rm', 'service remove'],
    flags: {},
  },
  'service rollback': {
    short: 'Revert changes to a service\'s configuration',
    flags: {
      detach: ['', DETACH],
      quiet: ['', 'Suppress progress output'],
    },
  },
  'service scale': {
    short: 'Scale one or multiple replicated services',
    flags: {
      detach: ['', DETACH],
    },
  },
  'service update': {
    short: 'Update a service',
    flags: {
      args: ['command', 'Service command args', CUSTOM],
      'cap-add': ['list', 'Add Linux capabilities', CUSTOM],
      'cap-drop': ['list', 'Drop Linux capabilities', CUSTOM],
      'config-add': ['config', 'Add or update a config file on a service', CUSTOM],
      'config-rm': ['list', 'Remove a configuration file', CUSTOM],
      'constraint-add': ['list', 'Add or update a placement constraint', CUSTOM],
      'constraint-rm': ['list', 'Remove a constraint', CUSTOM],
      'container-label-add': ['list', 'Add or update a container label', CUSTOM],
      'container-label-rm': ['list', 'Remove a container label by its key', CUSTOM],
      'credential-spec': ['credential-spec', 'Credential spec for managed service account (Windows only)', CUSTOM],
      detach: ['', DETACH],
      'dns-add': ['list', 'Add or update a custom DNS server', CUSTOM],
      'dns-option-add': ['list', 'Add or update a DNS option', CUSTOM],
      'dns-option-rm': ['list', 'Remove a DNS option', CUSTOM],
      'dns-rm': ['list', 'Remove a custom DNS server', CUSTOM],
      'dns-search-add': ['list', 'Add or update a custom DNS search domain', CUSTOM],
      'dns-search-rm': ['list', 'Remove a DNS search domain', CUSTOM],
      'endpoint-mode': ['string', 'Endpoint mode (vip or dnsrr)'],
      entrypoint: ['command', 'Overwrite the default ENTRYPOINT of the image', CUSTOM],
      'env-add': ['list', 'Add or update an environment variable', CUSTOM],
      'env-rm': ['list', 'Remove an environment variable', CUSTOM],
      force: ['', 'Force update even if no changes require it'],
      'generic-resource-add': ['list', 'Add a Generic resource', CUSTOM],
      'generic-resource-rm': ['list', 'Remove a Generic resource', CUSTOM],
      'group-add': ['list', 'Add an additional supplementary user group to the container', CUSTOM],
      'group-rm': ['list', 'Remove a previously added supplementary user group from the container', CUSTOM],
      'health-cmd': ['string', 'Command to run to check health'],
      'health-interval': ['duration', 'Time between running the check (ms|s|m|h)', CUSTOM],
      'health-retries': ['int', 'Consecutive failures needed to report unhealthy'],
      'health-start-interval': ['duration', HEALTH_START_INTERVAL, CUSTOM],
      'health-start-period': ['duration', HEALTH_START_PERIOD, CUSTOM],
      'health-timeout': ['duration', 'Maximum time to allow one check to run (ms|s|m|h)', CUSTOM],
      'host-add': ['list', 'Add a custom host-to-IP mapping ("host:ip")', CUSTOM],
      'host-rm': ['list', 'Remove a custom host-to-IP mapping ("host:ip")', CUSTOM],
      hostname: ['string', 'Container hostname'],
      image: ['string', 'Service image tag'],
      init: ['', INIT],
      isolation: ['string', 'Service container isolation mode'],
      'label-add': ['list', 'Add or update a service label', CUSTOM],
      'label-rm': ['list', 'Remove a label by its key', CUSTOM],
      'limit-cpu': ['decimal', 'Limit CPUs', CUSTOM],
      'limit-memory': ['bytes', 'Limit Memory', CUSTOM_0],
      'limit-pids': ['int', 'Limit maximum number of processes (default 0 = unlimited)'],
      'log-driver': ['string', 'Logging driver for service'],
      'log-opt': ['list', 'Logging driver options', CUSTOM],
      'max-concurrent': ['uint', 'Number of job tasks to run concurrently (default equal to --replicas)', CUSTOM],
      'mount-add': ['mount', 'Add or update a mount on a service', CUSTOM],
      'mount-rm': ['list', 'Remove a mount by its target path', CUSTOM],
      'network-add': ['network', 'Add a network'],
      'network-rm': ['list', 'Remove a network', CUSTOM],
      'no-healthcheck': ['', 'Disable any container-specified HEALTHCHECK'],
      'no-resolve-image': ['', NO_RESOLVE_IMAGE],
      'oom-score-adj': ['int', 'Tune host\'s OOM preferences (-1000 to 1000) '],
      'placement-pref-add': ['pref', 'Add a placement preference', CUSTOM],
      'placement-pref-rm': ['pref', 'Remove a placement preference', CUSTOM],
      'publish-add': ['port', 'Add or update a published port', CUSTOM],
      'publish-rm': ['port', 'Remove a published port by its target port', CUSTOM],
      quiet: ['', 'Suppress progress output'],
      'read-only': ['', 'Mount the container\'s root filesystem as read only'],
      replicas: ['uint', 'Number of tasks', CUSTOM],
      'replicas-max-per-node': ['uint', 'Maximum number of tasks per node (default 0 = unlimited)'],
      'reserve-cpu': ['decimal', 'Reserve CPUs', CUSTOM],
      'reserve-memory': ['bytes', 'Reserve Memory', CUSTOM_0],
      'restart-condition': ['string', 'Restart when condition is met ("none", "on-failure", "any")'],
      'restart-delay': ['duration', 'Delay between restart attempts (ns|us|ms|s|m|h)', CUSTOM],
      'restart-max-attempts': ['uint', 'Maximum number of restarts before giving up', CUSTOM],
      'restart-window': ['duration', 'Window used to evaluate the restart policy (ns|us|ms|s|m|h)', CUSTOM],
      rollback: ['', 'Rollback to previous specification'],
      'rollback-delay': ['duration', 'Delay between task rollbacks (ns|us|ms|s|m|h)'],
      'rollback-failure-action': ['string', 'Action on rollback failure ("pause", "continue")'],
      'rollback-max-failure-ratio': ['float', 'Failure rate to tolerate during a rollback', CUSTOM_0],
      'rollback-monitor': ['duration', ROLLBACK_MONITOR],
      'rollback-order': ['string', 'Rollback order ("start-first", "stop-first")'],
      'rollback-parallelism': ['uint', ROLLBACK_PARALLELISM],
      'secret-add': ['secret', 'Add or update a secret on a service', CUSTOM],
      'secret-rm': ['list', 'Remove a secret', CUSTOM],
      'stop-grace-period': ['duration', STOP_GRACE_PERIOD, CUSTOM],
      'stop-signal': ['string', 'Signal to stop the container'],
      'sysctl-add': ['list', 'Add or update a Sysctl option', CUSTOM],
      'sysctl-rm': ['list', 'Remove a Sysctl option', CUSTOM],
      tty: ['', 'Allocate a pseudo-TTY'],
      'ulimit-add': ['ulimit', 'Add or update a ulimit option', '[]'],
      'ulimit-rm': ['list', 'Remove a ulimit option', CUSTOM],
      'update-delay': ['duration', 'Delay between updates (ns|us|ms|s|m|h)'],
      'update-failure-action': ['string', 'Action on update failure ("pause", "continue", "rollback")'],
      'update-max-failure-ratio': ['float', 'Failure rate to tolerate during an update', CUSTOM_0],
      'update-monitor': ['duration', UPDATE_MONITOR],
      'update-order': ['string', 'Update order ("start-first", "stop-first")'],
      'update-parallelism': ['uint', UPDATE_PARALLELISM],
      user: ['string', 'Username or UID (format: <name|uid>[:<group|gid>])'],
      'with-registry-auth': ['', 'Send registry authentication details to swarm agents'],
      workdir: ['string', 'Working directory inside the container'],
    },
  },
  'stack deploy': {
    short: 'Deploy a new stack or update an existing stack',
    aliases: ['stack deploy', 'stack up'],
    flags: {
      'compose-file': ['strings', 'Path to a Compose file, or "-" to read from stdin'],
      detach: ['', 'Exit immediately instead of waiting for the stack services to converge', 'true'],
      prune: ['', 'Prune services that are no longer referenced'],
      quiet: ['', 'Suppress progress output'],
      'resolve-image': ['string', 'Query the registry to resolve image digest and supported platforms ("always", "changed", "never")', '"always"'],
      'with-registry-auth': ['', 'Send registry authentication details to Swarm agents'],
    },
  },
  'stack ls': {
    short: 'List stacks',
    aliases: ['stack ls', 'stack list'],
    flags: {
      format: ['string', FORMAT_TABLE_JSON_OR_TEMPLATE],
    },
  },
  'stack ps': {
    short: 'List the tasks in the stack',
    flags: {
      filter: ['filter', 'Filter output based on conditions provided', CUSTOM],
      format: ['string', FORMAT_TABLE_JSON_OR_TEMPLATE],
      'no-resolve': ['', 'Do not map IDs to Names'],
      'no-trunc': ['', 'Do not truncate output'],
      quiet: ['', 'Only display task IDs'],
    },
  },
  'stack rm': {
    short: 'Remove one or more stacks',
    aliases: ['stack rm', 'stack remove', 'stack down'],
    flags: {
      detach: ['', 'Do not wait for stack removal', 'true'],
    },
  },
  'stack services': {
    short: 'List the services in the stack',
    flags: {
      filter: ['filter', 'Filter output based on conditions provided', CUSTOM],
      format: ['string', FORMAT_TABLE_JSON_OR_TEMPLATE],
      quiet: ['', 'Only display IDs'],
    },
  },
  'network connect': {
    short: 'Connect a container to a network',
    flags: {
      alias: ['strings', 'Add network-scoped alias for the container'],
      'driver-opt': ['strings', 'driver options for the network'],
      'gw-priority': ['int', 'Highest gw-priority provides the default gateway. Accepts positive and negative values.'],
      ip: ['string', 'IPv4 address (e.g., "172.30.100.104")'],
      ip6: ['string', 'IPv6 address (e.g., "2001:db8::33")'],
      link: ['list', 'Add link to another container', CUSTOM],
      'link-local-ip': ['strings', 'Add a link-local address for the container'],
    },
  },
  'network create': {
    short: 'Create a network',
    flags: {
      attachable: ['', 'Enable manual container attachment'],
      'aux-address': ['map', 'Auxiliary IPv4 or IPv6 addresses used by Network driver', 'map[]'],
      'config-from': ['string', 'The network from which to copy the configuration'],
      'config-only': ['', 'Create a configuration only network'],
      driver: ['string', 'Driver to manage the Network', '"bridge"'],
      gateway: ['strings', 'IPv4 or IPv6 Gateway for the master subnet'],
      ingress: ['', 'Create swarm routing-mesh network'],
      internal: ['', 'Restrict external access to the network'],
      'ip-range': ['strings', 'Allocate container ip from a sub-range'],
      'ipam-driver': ['string', 'IP Address Management Driver', '"default"'],
      'ipam-opt': ['map', 'Set IPAM driver specific options', 'map[]'],
      ipv4: ['', 'Enable or disable IPv4 address assignment', 'true'],
      ipv6: ['', 'Enable or disable IPv6 address assignment'],
      label: ['list', 'Set metadata on a network', CUSTOM],
      opt: ['map', 'Set driver specific options', 'map[]'],
      scope: ['string', 'Control the network\'s scope'],
      subnet: ['strings', 'Subnet in CIDR format that represents a network segment'],
    },
  },
  'network disconnect': {
    short: 'Disconnect a container from a network',
    flags: {
      force: ['', 'Force the container to disconnect from a network'],
    },
  },
  'network inspect': {
    short: 'Display detailed information on one or more networks',
    flags: {
      format: ['string', FORMAT_JSON_OR_TEMPLATE],
      verbose: ['', 'Verbose output for diagnostics'],
    },
  },
  'network ls': {
    short: 'List networks',
    aliases: ['network ls', 'network list'],
    flags: {
      filter: ['filter', 'Provide filter values (e.g. "driver=bridge")', CUSTOM],
      format: ['string', FORMAT_TABLE_JSON_OR_TEMPLATE],
      'no-trunc': ['', 'Do not truncate the output'],
      quiet: ['', 'Only display network IDs'],
    },
  },
  'network prune': {
    short: 'Remove all unused networks',
    flags: {
      filter: ['filter', 'Provide filter values (e.g. "until=<timestamp>")', CUSTOM],
      force: ['', 'Do not prompt for confirmation'],
    },
  },
  'network rm': {
    short: 'Remove one or more networks',
    aliases: ['network rm', 'network remove'],
    flags: {
      force: ['', 'Do not error if the network does not exist'],
    },
  },
  'secret create': {
    short: 'Create a secret from a file or STDIN as content',
    flags: {
      driver: ['string', 'Secret driver'],
      label: ['list', 'Secret labels', CUSTOM],
      'template-driver': ['string', 'Template driver'],
    },
  },
  ...payloadCommands('secret'),
  'config create': {
    short: 'Create a config from a file or STDIN',
    flags: {
      label: ['list', 'Config labels', CUSTOM],
      'template-driver': ['string', 'Template driver'],
    },
  },
  ...payloadCommands('config'),
  events: {
    short: 'Get real time events from the server',
    aliases: ['system events', 'events'],
    flags: {
      filter: ['filter', 'Filter output based on conditions provided', CUSTOM],
      format: ['string', FORMAT_JSON_OR_TEMPLATE],
      since: ['string', 'Show all events created since timestamp'],
      until: ['string', 'Stream events until this timestamp'],
    },
  },
  info: {
    short: 'Display system-wide information',
    aliases: ['system info', 'info'],
    flags: {
      format: ['string', FORMAT_JSON_OR_TEMPLATE],
    },
  },
  version: {
    short: 'Show the Docker version information',
    flags: {
      format: ['string', FORMAT_JSON_OR_TEMPLATE],
    },
  },
};

// `docker system events` and `docker system info` are the same commands under the system group.
COMMANDS['system events'] = COMMANDS.events;
COMMANDS['system info'] = COMMANDS.info;

export const GROUPS: Record<string, GroupHelp> = {
  swarm: { short: 'Manage Swarm', commands: ['ca', 'init', 'join', 'join-token', 'leave', 'unlock', 'unlock-key', 'update'] },
  node: { short: 'Manage Swarm nodes', commands: ['demote', 'inspect', 'ls', 'promote', 'ps', 'rm', 'update'] },
  service: { short: 'Manage Swarm services', commands: ['create', 'inspect', 'logs', 'ls', 'ps', 'rm', 'rollback', 'scale', 'update'] },
  // docker's `stack config` is not there
  stack: { short: 'Manage Swarm stacks', commands: ['deploy', 'ls', 'ps', 'rm', 'services'] },
  network: { short: 'Manage networks', commands: ['connect', 'create', 'disconnect', 'inspect', 'ls', 'prune', 'rm'] },
  secret: { short: 'Manage Swarm secrets', commands: ['create', 'inspect', 'ls', 'rm'] },
  config: { short: 'Manage Swarm configs', commands: ['create', 'inspect', 'ls', 'rm'] },
  // docker's `system df` and `system prune` are the engine's, not the swarm's: not there
  system: { short: 'Manage Docker', commands: ['events', 'info'] },
};
