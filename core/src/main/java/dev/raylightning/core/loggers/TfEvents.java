package dev.raylightning.core.loggers;

/**
 * Encoders for TensorBoard's {@code Event} and {@code Summary} messages (tensorflow/core/util/
 * event.proto and framework/summary.proto), limited to the fields this package writes.
 */
final class TfEvents {

    /** The version string TensorBoard expects in the first event of a file. */
    static final String FILE_VERSION = "brain.Event:2";

    // Event fields.
    static final int EVENT_WALL_TIME = 1;
    static final int EVENT_STEP = 2;
    static final int EVENT_FILE_VERSION = 3;
    static final int EVENT_SUMMARY = 5;
    // Summary fields.
    static final int SUMMARY_VALUE = 1;
    // Summary.Value fields.
    static final int VALUE_TAG = 1;
    static final int VALUE_SIMPLE_VALUE = 2;
    static final int VALUE_METADATA = 9;
    // SummaryMetadata and SummaryMetadata.PluginData fields.
    static final int METADATA_PLUGIN_DATA = 1;
    static final int PLUGIN_NAME = 1;
    static final int PLUGIN_CONTENT = 2;

    private TfEvents() {}

    /** The header event every event file starts with. */
    static byte[] fileVersion(double wallTime) {
        return new ProtoWriter()
                .double64(EVENT_WALL_TIME, wallTime)
                .string(EVENT_FILE_VERSION, FILE_VERSION)
                .toByteArray();
    }

    /** One scalar, the shape {@code SummaryWriter.add_scalar} writes. */
    static byte[] scalar(double wallTime, long step, String tag, float value) {
        ProtoWriter summaryValue = new ProtoWriter().string(VALUE_TAG, tag).float32(VALUE_SIMPLE_VALUE, value);
        ProtoWriter summary = new ProtoWriter().message(SUMMARY_VALUE, summaryValue);
        return new ProtoWriter()
                .double64(EVENT_WALL_TIME, wallTime)
                .int64(EVENT_STEP, step)
                .message(EVENT_SUMMARY, summary)
                .toByteArray();
    }

    /**
     * A summary holding one value that carries only plugin metadata, the shape the hparams plugin
     * uses; the event has no step, like {@code add_summary(summary)} without a global step.
     */
    static byte[] pluginSummary(double wallTime, String tag, String pluginName, byte[] content) {
        ProtoWriter pluginData = new ProtoWriter().string(PLUGIN_NAME, pluginName).bytes(PLUGIN_CONTENT, content);
        ProtoWriter metadata = new ProtoWriter().message(METADATA_PLUGIN_DATA, pluginData);
        ProtoWriter summaryValue = new ProtoWriter().string(VALUE_TAG, tag).message(VALUE_METADATA, metadata);
        ProtoWriter summary = new ProtoWriter().message(SUMMARY_VALUE, summaryValue);
        return new ProtoWriter()
                .double64(EVENT_WALL_TIME, wallTime)
                .message(EVENT_SUMMARY, summary)
                .toByteArray();
    }
}
