"""Send spans to `tokencast collect` with the OpenTelemetry Python SDK, as an application would.

    python send_spans.py http|grpc ENDPOINT SPEC.json

SPEC.json holds {"resource": {attributes}, "spans": [{"name", "start_ns", "end_ns",
"attributes", "parent": index or null}, ...]}. The spans are started in order (a parent before
its children), ended in order, and exported by the SDK's BatchSpanProcessor through the OTLP/HTTP
exporter (protobuf, gzip) or the OTLP/gRPC one. The exporter is wrapped to record what each
export returned. Prints {"exported": spans acknowledged, "batches": exports, "failed": failed
exports} and exits 1 unless every span was acknowledged.
"""

import json
import sys

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)


def exporter(protocol, endpoint):
    if protocol == "http":
        from opentelemetry.exporter.otlp.proto.http import Compression
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter,
        )

        return OTLPSpanExporter(
            endpoint=endpoint + "/v1/traces", compression=Compression.Gzip
        )
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter,
        )

        return OTLPSpanExporter(endpoint=endpoint, insecure=True)
    raise SystemExit(f"protocol: expected http or grpc, got {protocol!r}")


class Recording(SpanExporter):
    """The real exporter, with the result of every export kept."""

    def __init__(self, inner):
        self.inner = inner
        self.results = []

    def export(self, spans):
        result = self.inner.export(spans)
        self.results.append((len(spans), result))
        return result

    def shutdown(self):
        self.inner.shutdown()

    def force_flush(self, timeout_millis=30000):
        return self.inner.force_flush(timeout_millis)


def main():
    protocol, endpoint, path = sys.argv[1:4]
    with open(path) as f:
        spec = json.load(f)
    recording = Recording(exporter(protocol, endpoint))
    provider = TracerProvider(resource=Resource.create(spec["resource"]))
    provider.add_span_processor(
        BatchSpanProcessor(recording, max_export_batch_size=50, schedule_delay_millis=100)
    )
    tracer = provider.get_tracer("tokencast-collect-test")
    started = []
    for s in spec["spans"]:
        parent = s.get("parent")
        context = None if parent is None else trace.set_span_in_context(started[parent])
        started.append(
            tracer.start_span(
                s["name"],
                context=context,
                start_time=s["start_ns"],
                attributes=s["attributes"],
            )
        )
    for span, s in zip(started, spec["spans"]):
        span.end(end_time=s["end_ns"])
    # Flushes every span still queued, then shuts the exporter down.
    provider.shutdown()
    ok = sum(n for n, r in recording.results if r == SpanExportResult.SUCCESS)
    failed = sum(1 for _, r in recording.results if r != SpanExportResult.SUCCESS)
    print(json.dumps({"exported": ok, "batches": len(recording.results), "failed": failed}))
    sys.exit(0 if failed == 0 and ok == len(spec["spans"]) else 1)


if __name__ == "__main__":
    main()
