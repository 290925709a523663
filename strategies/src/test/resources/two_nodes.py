"""A two-node Ray cluster on 127.0.0.1 for tests: Ray's own multi-node test utility, a head and a
second node with their own raylets and 2 CPUs each (the second also holds the custom resource
"second_node"). Prints "ADDRESS <gcs address>" when both nodes are up; a line "remove-second" on
stdin takes the second node away (answered by "REMOVED"); the end of stdin (the test closed it,
or the test JVM died) shuts everything down."""
import os
import sys

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # keeps every node on the loopback address
from ray.cluster_utils import Cluster  # noqa: E402

temp_dir = sys.argv[1]
cluster = Cluster(initialize_head=True, head_node_args={
    "num_cpus": 2, "node_ip_address": "127.0.0.1", "include_dashboard": False, "temp_dir": temp_dir})
second = cluster.add_node(num_cpus=2, node_ip_address="127.0.0.1", resources={"second_node": 1},
                          temp_dir=temp_dir)
cluster.wait_for_nodes()
print("ADDRESS", cluster.address, flush=True)
for line in sys.stdin:
    if line.strip() == "remove-second" and second is not None:
        cluster.remove_node(second, allow_graceful=False)
        second = None
        print("REMOVED", flush=True)
cluster.shutdown()
