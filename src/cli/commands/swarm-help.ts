// What the docker CLI prints for `swarm update` with no flag (cobra's help, 28.2, 80 columns), with tswarm for docker.
export const UPDATE_HELP = `Usage:  tswarm swarm update [OPTIONS]

Update the swarm

Options:
      --autolock                        Change manager autolocking
                                        setting (true|false)
      --cert-expiry duration            Validity period for node
                                        certificates (ns|us|ms|s|m|h)
                                        (default 2160h0m0s)
      --dispatcher-heartbeat duration   Dispatcher heartbeat period
                                        (ns|us|ms|s|m|h) (default 5s)
      --external-ca external-ca         Specifications of one or more
                                        certificate signing endpoints
      --max-snapshots uint              Number of additional Raft
                                        snapshots to retain
      --snapshot-interval uint          Number of log entries between
                                        Raft snapshots (default 10000)
      --task-history-limit int          Task history retention limit
                                        (default 5)
`;
