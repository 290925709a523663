#!/usr/bin/env python3
"""Reads TensorBoard event files with TensorBoard's own reader and prints their scalars.

Usage: check_tensorboard_events.py DIR

Every ``events.out.tfevents.*`` file under DIR is loaded with
``tensorboard.backend.event_processing.event_accumulator.EventAccumulator``, whose record
reader checks the TFRecord CRCs. Prints each scalar tag with its (step, value) pairs and any
hparams-plugin data, and checks that the server-side reader (plugin_event_accumulator) sees the
same scalars. The TFRecord framing is also walked by hand, since the accumulator stops quietly
at a bad record. Exits 1 if no scalar was found or a check fails, 2 on bad usage or a missing
package.
Needs the ``tensorboard`` package (``pip install tensorboard``); TensorFlow is not required.
"""

import pathlib
import struct
import sys


def count_records(path, masked_crc32c):
    """Walks the TFRecord framing; returns (records, error or None).

    EventAccumulator silently stops at a bad checksum, so the framing is checked here too.
    """
    data = path.read_bytes()
    pos = count = 0
    while pos < len(data):
        if len(data) - pos < 12:
            return count, f"truncated header at byte {pos}"
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        if length_crc != masked_crc32c(header):
            return count, f"length checksum mismatch at byte {pos}"
        end = pos + 12 + length
        if end + 4 > len(data):
            return count, f"truncated payload at byte {pos}"
        (payload_crc,) = struct.unpack("<I", data[end:end + 4])
        if payload_crc != masked_crc32c(data[pos + 12:end]):
            return count, f"payload checksum mismatch at byte {pos}"
        pos = end + 4
        count += 1
    return count, None


def describe_hparams(plugin_data_pb2, content):
    data = plugin_data_pb2.HParamsPluginData.FromString(content)
    kind = data.WhichOneof("data")
    if kind == "session_start_info":
        values = {}
        for key, value in data.session_start_info.hparams.items():
            which = value.WhichOneof("kind")
            values[key] = getattr(value, which) if which else None
        return f"session_start_info {values}"
    if kind == "experiment":
        names = [h.name for h in data.experiment.hparam_infos]
        metrics = [m.name.tag for m in data.experiment.metric_infos]
        return f"experiment hparams={names} metrics={metrics}"
    if kind == "session_end_info":
        return f"session_end_info status={data.session_end_info.status}"
    return f"unknown ({kind})"


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = pathlib.Path(argv[1])
    try:
        from tensorboard.backend.event_processing import event_accumulator
        from tensorboard.backend.event_processing import plugin_event_accumulator
        from tensorboard.plugins.hparams import plugin_data_pb2
        from tensorboard.util import tensor_util
        from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
    except ImportError as e:
        print(f"tensorboard is not installed: {e}", file=sys.stderr)
        return 2

    files = sorted(p for p in root.rglob("events.out.tfevents.*") if p.is_file())
    if not files:
        print(f"no event files under {root}", file=sys.stderr)
        return 1

    total = 0
    for path in files:
        # size_guidance 0 keeps every event instead of a reservoir sample.
        acc = event_accumulator.EventAccumulator(
            str(path), size_guidance={event_accumulator.SCALARS: 0})
        acc.Reload()
        print(f"== {path.relative_to(root)}")
        records, error = count_records(path, masked_crc32c)
        print(f"   records: {records} with valid length and payload CRCs")
        if error:
            print(f"   {path}: {error}", file=sys.stderr)
            return 1
        print(f"   file_version: {acc.file_version}")
        for tag in sorted(acc.Tags()["scalars"]):
            points = acc.Scalars(tag)
            total += len(points)
            shown = ", ".join(f"({p.step}, {p.value:.6g})" for p in points)
            print(f"   scalar {tag}: {len(points)} points: {shown}")
        try:
            hparams = acc.PluginTagToContent("hparams")
        except KeyError:
            hparams = {}
        for tag, content in sorted(hparams.items()):
            print(f"   hparams {tag}: {describe_hparams(plugin_data_pb2, content)}")

        # The TensorBoard server reads through the plugin accumulator, which migrates
        # simple_value scalars to tensors; check that path sees the same tags.
        plugin_acc = plugin_event_accumulator.EventAccumulator(
            str(path), size_guidance={plugin_event_accumulator.TENSORS: 0})
        plugin_acc.Reload()
        by_plugin = {name: sorted(plugin_acc.PluginTagToContent(name))
                     for name in sorted(plugin_acc.ActivePlugins())}
        print(f"   server view (plugin -> tags): {by_plugin}")
        for tag in acc.Tags()["scalars"]:
            legacy = [(p.step, p.value) for p in acc.Scalars(tag)]
            try:
                served = [(t.step, float(tensor_util.make_ndarray(t.tensor_proto)))
                          for t in plugin_acc.Tensors(tag)]
            except KeyError:
                served = None
            if served != legacy:
                print(f"   server view of {tag} differs: {served} vs {legacy}", file=sys.stderr)
                return 1

    print(f"{total} scalar points in {len(files)} file(s)")
    return 0 if total > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
