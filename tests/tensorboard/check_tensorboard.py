"""TensorBoard compatibility of Glassbox's event files, both ways, with TensorBoard's own code.

    check_tensorboard.py read RUN_FOLDER EXPECTED.json
        Loads RUN_FOLDER with TensorBoard's EventAccumulator and compares every scalar series and the histogram
        counts with EXPECTED.json ({"scalars": {tag: [[step, value], ...]}, "histograms": {tag: [[step, total], ...]}},
        written from the run store by the test). Scalars are float32 in event files: compared to 1e-6 relative.
    check_tensorboard.py write LOG_DIR EXPECTED.json
        Writes event files as PyTorch's SummaryWriter does (TensorBoard's EventFileWriter and protos: simple_value
        scalars, HistogramProto histograms, text-plugin string tensors) into LOG_DIR/exp/seed0 and LOG_DIR/exp/seed1,
        and the values written into EXPECTED.json, for the import test to compare with.
Prints one line per check; exits 1 on any mismatch.
"""
import json
import math
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def read(folder, expected_path):
    expected = json.load(open(expected_path))
    acc = EventAccumulator(folder, size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
    acc.Reload()
    tags = acc.Tags()
    failures = 0
    for tag, points in expected["scalars"].items():
        if tag not in tags["scalars"]:
            print(f"FAIL scalar tag {tag} missing (TensorBoard sees {len(tags['scalars'])} scalar tags)")
            failures += 1
            continue
        got = [(e.step, e.value) for e in acc.Scalars(tag)]
        ok = len(got) == len(points) and all(
            s == p[0] and math.isclose(v, p[1], rel_tol=1e-6, abs_tol=1e-12) for (s, v), p in zip(got, points))
        print(("PASS" if ok else "FAIL") + f" scalars {tag}: {len(got)} points read by EventAccumulator, {len(points)} in the run store")
        failures += 0 if ok else 1
    for tag, points in expected.get("histograms", {}).items():
        if tag not in tags["histograms"]:
            print(f"FAIL histogram tag {tag} missing")
            failures += 1
            continue
        got = [(e.step, e.histogram_value.num) for e in acc.Histograms(tag)]
        ok = len(got) == len(points) and all(s == p[0] and v == p[1] for (s, v), p in zip(got, points))
        print(("PASS" if ok else "FAIL") + f" histograms {tag}: {len(got)} steps, counts {'match' if ok else 'differ'}")
        failures += 0 if ok else 1
    texts = tags.get("tensors", [])
    print(("PASS" if "samples" in texts else "FAIL") + f" text samples readable as the text plugin's tensors ({texts[:3]})")
    failures += 0 if "samples" in texts else 1
    return failures


def write(log_dir, expected_path):
    from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata, HistogramProto
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboard.summary.writer.event_file_writer import EventFileWriter
    import os
    expected = {}
    for seed in (0, 1):
        name = f"exp/seed{seed}"
        writer = EventFileWriter(os.path.join(log_dir, name))
        scalars, hist, texts = [], [], []
        for step in range(1, 2001):
            loss = 3.0 / (1 + step / 300) + 0.01 * seed + (25.0 if step == 777 else 0.0)
            summary = Summary(value=[Summary.Value(tag="loss/train", simple_value=loss)])
            writer.add_event(Event(wall_time=1_700_000_000 + step, step=step, summary=summary))
            scalars.append([step, float(__import__("numpy").float32(loss))])
            if step % 500 == 0:
                limits = [-1.0 + 0.25 * i for i in range(1, 9)]
                counts = [1.0, 3.0, 8.0, 20.0, 20.0, 8.0, 3.0, 1.0]
                h = HistogramProto(min=-1.0, max=1.0, num=sum(counts), sum=0.0, sum_squares=10.0, bucket_limit=limits, bucket=counts)
                writer.add_event(Event(wall_time=1_700_000_000 + step, step=step, summary=Summary(value=[Summary.Value(tag="weights/layer0", histo=h)])))
                hist.append([step, sum(counts)])
                text = f"sample {seed} at {step}"
                meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="text"))
                tensor = TensorProto(dtype="DT_STRING", string_val=[text.encode()],
                                     tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
                writer.add_event(Event(wall_time=1_700_000_000 + step, step=step,
                                       summary=Summary(value=[Summary.Value(tag="notes/text_summary", metadata=meta, tensor=tensor)])))
                texts.append([step, text])
        writer.close()
        expected[name.replace("/", "_")] = {"scalars": {"loss/train": scalars}, "histograms": {"weights/layer0": hist}, "texts": texts}
    json.dump(expected, open(expected_path, "w"))
    print(f"PASS wrote 2 runs of 2000 scalars, 4 histograms and 4 texts each under {log_dir}")
    return 0


if __name__ == "__main__":
    mode, a, b = sys.argv[1:4]
    sys.exit(1 if (read(a, b) if mode == "read" else write(a, b)) else 0)
