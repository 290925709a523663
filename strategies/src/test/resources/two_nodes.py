"""A two-node Ray cluster on loopback for tests: Ray's own multi-node test utility, a head on
127.0.0.1 and a second node on 127.0.0.2, with their own raylets and 2 CPUs each (the second also
holds the custom resource "second_node"). A driver on 127.0.0.1 always attaches to the head, as on
a real cluster (with both nodes on one address it sometimes attached to the second node, and
removing that node then ended the driver's job: Ray refused every new worker it asked for).

Prints "ADDRESS <gcs address>" when both nodes are up; a line "remove-second" on stdin takes the
second node away (answered by "REMOVED"), a line "add-second" starts a new one in its place
(answered by "ADDED"); the end of stdin (the test closed it, or the test JVM died) shuts
everything down."""
import os
import sys

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # keeps every node on the loopback address
from ray.cluster_utils import Cluster  # noqa: E402

temp_dir = sys.argv[1]
cluster = Cluster(initialize_head=True, head_node_args={
    "num_cpus": 2, "node_ip_address": "127.0.0.1", "include_dashboard": False, "temp_dir": temp_dir})


def add_second():
    node = cluster.add_node(num_cpus=2, node_ip_address="127.0.0.2", resources={"second_node": 1},
                            temp_dir=temp_dir)
    cluster.wait_for_nodes()
    return node


second = add_second()
print("ADDRESS", cluster.address, flush=True)
for line in sys.stdin:
    if line.strip() == "remove-second" and second is not None:
        cluster.remove_node(second, allow_graceful=False)
        second = None
        print("REMOVED", flush=True)
    elif line.strip() == "add-second" and second is None:
        second = add_second()
        print("ADDED", flush=True)
cluster.shutdown()
