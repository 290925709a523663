package dev.raylightning.core.loggers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorBoardLoggerTest {

    @TempDir
    Path tmp;

    /** One decoded scalar event. */
    record Scalar(double wallTime, long step, String tag, float value) {}

    private static Map<String, Double> metrics(Object... kv) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], ((Number) kv[i + 1]).doubleValue());
        }
        return m;
    }

    private static List<ProtoFields> events(Path file) throws IOException {
        List<ProtoFields> out = new ArrayList<>();
        for (byte[] record : TfRecordReader.readAll(file)) {
            out.add(ProtoFields.parse(record));
        }
        return out;
    }

    private static List<Scalar> scalars(List<ProtoFields> events) {
        List<Scalar> out = new ArrayList<>();
        for (ProtoFields event : events) {
            if (!event.has(5)) {
                continue;
            }
            for (ProtoFields value : event.message(5).messages(1)) {
                if (value.has(2)) {
                    out.add(new Scalar(event.doubleValue(1), event.varint(2), value.string(1), value.floatValue(2)));
                }
            }
        }
        return out;
    }

    private static Path onlyEventFile(TensorBoardLogger logger) {
        List<Path> files = logger.eventFiles();
        assertEquals(1, files.size(), "event files: " + files);
        return files.get(0);
    }

    @Test
    void scalarsRoundTripThroughTfRecordsAndProtobuf() throws IOException {
        double before = System.currentTimeMillis() / 1000.0;
        TensorBoardLogger logger = new TensorBoardLogger(tmp);
        logger.logMetrics(metrics("train_loss", 0.5, "val_acc", 0.25), 3);
        logger.logMetrics(metrics("train_loss", 0.125, "epoch", 1), 4);
        logger.close();
        double after = System.currentTimeMillis() / 1000.0 + 1;

        Path file = onlyEventFile(logger);
        assertEquals(tmp.resolve("lightning_logs/version_0"), file.getParent());
        List<ProtoFields> events = events(file);

        ProtoFields header = events.get(0);
        assertEquals("brain.Event:2", header.string(3));
        assertTrue(header.doubleValue(1) >= Math.floor(before) && header.doubleValue(1) <= after);
        assertFalse(header.has(5), "the header event carries no summary");

        List<Scalar> scalars = scalars(events);
        assertEquals(4, scalars.size());
        assertEquals(4, events.size() - 1, "one event per scalar, as add_scalar writes");
        assertEquals(List.of("train_loss", "val_acc", "train_loss", "epoch"), scalars.stream().map(Scalar::tag).toList());
        assertEquals(List.of(3L, 3L, 4L, 4L), scalars.stream().map(Scalar::step).toList());
        assertEquals(List.of(0.5f, 0.25f, 0.125f, 1f), scalars.stream().map(Scalar::value).toList());
        for (Scalar s : scalars) {
            assertTrue(s.wallTime() >= before && s.wallTime() <= after, "wall time " + s.wallTime());
        }
    }

    @Test
    void eventFileNameFollowsTensorBoardConvention() {
        TensorBoardLogger logger = new TensorBoardLogger(tmp);
        logger.logMetrics(metrics("x", 1), 0);
        logger.close();
        String name = onlyEventFile(logger).getFileName().toString();
        String pid = Long.toString(ProcessHandle.current().pid());
        assertTrue(name.matches("events\\.out\\.tfevents\\.\\d{10}\\..+\\." + pid + "\\.\\d+"), name);
        assertTrue(name.contains("." + TfEventWriter.hostname() + "."), name);
    }

    @Test
    void corruptedPayloadByteFailsTheChecksum() throws IOException {
        TensorBoardLogger logger = new TensorBoardLogger(tmp);
        logger.logMetrics(metrics("loss", 0.5), 1);
        logger.close();
        byte[] good = Files.readAllBytes(onlyEventFile(logger));
        assertEquals(2, TfRecordReader.readAll(good).size());

        byte[] badPayload = good.clone();
        badPayload[good.length - 6] ^= 0x01;   // inside the last record's payload (a float byte)
        TfRecordReader.CorruptRecordException e =
                assertThrows(TfRecordReader.CorruptRecordException.class, () -> TfRecordReader.readAll(badPayload));
        assertTrue(e.getMessage().contains("payload checksum"), e.getMessage());

        byte[] badLength = good.clone();
        badLength[0] ^= 0x01;   // first record's length field
        e = assertThrows(TfRecordReader.CorruptRecordException.class, () -> TfRecordReader.readAll(badLength));
        assertTrue(e.getMessage().contains("length checksum"), e.getMessage());
    }

    @Test
    void maskedCrcMatchesTensorFlowReferenceValues() throws IOException {
        // Reference values from tensorboard.compat.tensorflow_stub.pywrap_tensorflow.
        assertEquals(0xe3069283, TfRecordReader.crc32c("123456789".getBytes(StandardCharsets.US_ASCII)));
        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0x191c1fbb, TfRecords.maskedCrc32c(hello, 0, hello.length));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TfRecords.write(out, hello);
        byte[] expected = {5, 0, 0, 0, 0, 0, 0, 0, (byte) 0xea, (byte) 0xb2, 0x04, 0x3e,
            'h', 'e', 'l', 'l', 'o', (byte) 0xbb, 0x1f, 0x1c, 0x19};
        assertArrayEquals(expected, out.toByteArray());
    }

    @Test
    void protoWriterUsesStandardWireEncoding() {
        // The protobuf encoding guide's example: field 1 = 150 is 08 96 01.
        assertArrayEquals(new byte[] {0x08, (byte) 0x96, 0x01}, new ProtoWriter().int64(1, 150).toByteArray());
        assertArrayEquals(new byte[] {0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'},
                new ProtoWriter().string(2, "testing").toByteArray());
        byte[] negative = new ProtoWriter().int64(2, -1).toByteArray();
        assertEquals(11, negative.length, "negative int64 takes ten varint bytes");
        assertEquals(-1L, ProtoFields.parse(negative).varint(2));
        assertEquals(1.5, ProtoFields.parse(new ProtoWriter().double64(1, 1.5).toByteArray()).doubleValue(1));
    }

    @Test
    void eventsStayBufferedUntilSave() throws IOException {
        TensorBoardLogger logger = TensorBoardLogger.builder(tmp).maxQueue(1000).build();
        logger.logMetrics(metrics("loss", 1), 0);
        logger.logMetrics(metrics("loss", 2), 1);
        Path file = onlyEventFile(logger);
        assertEquals(1, TfRecordReader.readAll(file).size(), "only the flushed header event is on disk");
        logger.save();
        assertEquals(3, TfRecordReader.readAll(file).size());
        logger.logMetrics(metrics("loss", 3), 2);
        logger.finish("success");
        assertEquals(List.of(1f, 2f, 3f), scalars(events(file)).stream().map(Scalar::value).toList());
    }

    @Test
    void maxQueueTriggersFlush() throws IOException {
        TensorBoardLogger logger = TensorBoardLogger.builder(tmp).maxQueue(2).build();
        logger.logMetrics(metrics("a", 1), 0);
        Path file = onlyEventFile(logger);
        assertEquals(1, TfRecordReader.readAll(file).size());
        logger.logMetrics(metrics("a", 2), 1);
        assertEquals(3, TfRecordReader.readAll(file).size());
        logger.close();
    }

    @Test
    void loggingAfterCloseOpensANewFile() throws IOException {
        TensorBoardLogger logger = new TensorBoardLogger(tmp);
        logger.logMetrics(metrics("fit_loss", 1), 0);
        logger.close();
        logger.logMetrics(metrics("test_loss", 2), 0);
        logger.close();
        List<Path> files = logger.eventFiles();
        assertEquals(2, files.size());
        assertNotEquals(files.get(0), files.get(1));
        assertEquals("test_loss", scalars(events(files.get(1))).get(0).tag());
        assertEquals("brain.Event:2", events(files.get(1)).get(0).string(3));
    }

    @Test
    void versionsPrefixAndLayoutMatchLightning() throws IOException {
        Files.createDirectories(tmp.resolve("exp/version_2"));
        TensorBoardLogger auto = TensorBoardLogger.builder(tmp).name("exp").build();
        assertEquals("version_3", auto.version());
        TensorBoardLogger named = TensorBoardLogger.builder(tmp).name("exp").version("baseline").prefix("fit").build();
        assertEquals(tmp.resolve("exp/baseline"), named.logDir().orElseThrow());
        named.logMetrics(metrics("loss", 1), 0);
        named.close();
        assertEquals("fit-loss", scalars(events(onlyEventFile(named))).get(0).tag());
        assertTrue(Files.isRegularFile(tmp.resolve("exp/baseline/hparams.yaml")), "save writes hparams.yaml");
    }

    @Test
    void hyperparametersGoToYamlAndTheHparamsPlugin() throws IOException {
        TensorBoardLogger logger = new TensorBoardLogger(tmp);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("lr", 0.01);
        params.put("optimizer", "adam");
        params.put("model", Map.of("layers", 4));
        params.put("shuffle", true);
        params.put("widths", List.of(8, 16));
        params.put("unused", null);
        params.put("stages", List.of(Map.of("epochs", 2), Map.of("epochs", 3)));
        params.put("tags", List.of("a", "b'c", "d'e\"f"));
        logger.logHyperparams(params);
        logger.close();

        String yaml = Files.readString(logger.logDir().orElseThrow().resolve("hparams.yaml"));
        // Sorted keys, as PyYAML's yaml.dump writes them for Lightning.
        assertEquals("""
                lr: 0.01
                model:
                  layers: 4
                optimizer: adam
                shuffle: true
                stages:
                - epochs: 2
                - epochs: 3
                tags:
                - a
                - b'c
                - d'e"f
                unused: null
                widths:
                - 8
                - 16
                """, yaml);

        List<ProtoFields> events = events(onlyEventFile(logger));
        assertEquals(List.of(new Scalar(scalars(events).get(0).wallTime(), 0, "hp_metric", -1f)), scalars(events));

        Map<String, ProtoFields> plugin = new HashMap<>();
        for (ProtoFields event : events) {
            if (!event.has(5)) {
                continue;
            }
            ProtoFields value = event.message(5).message(1);
            if (value.has(9)) {
                ProtoFields pluginData = value.message(9).message(1);
                assertEquals("hparams", pluginData.string(1));
                assertFalse(event.has(2), "plugin summaries carry no step");
                plugin.put(value.string(1), ProtoFields.parse(pluginData.bytes(2)));
            }
        }
        assertEquals(Set.of("_hparams_/experiment", "_hparams_/session_start_info",
                "_hparams_/session_end_info"), plugin.keySet());

        ProtoFields experiment = plugin.get("_hparams_/experiment").message(2);
        Map<String, Long> types = new LinkedHashMap<>();
        for (ProtoFields info : experiment.messages(4)) {
            types.put(info.string(1), info.varint(4));
        }
        // FLOAT64 = 3, STRING = 1, BOOL = 2; nested keys and lists of maps flatten as in Lightning.
        assertEquals(List.of("lr", "optimizer", "model/layers", "shuffle", "widths", "unused",
                "stages/0/epochs", "stages/1/epochs", "tags"), List.copyOf(types.keySet()));
        assertEquals(List.of(3L, 1L, 3L, 2L, 1L, 1L, 3L, 3L, 1L), List.copyOf(types.values()));
        assertEquals("hp_metric", experiment.message(5).message(1).string(2));

        Map<String, ProtoFields> start = new LinkedHashMap<>();
        for (ProtoFields entry : plugin.get("_hparams_/session_start_info").message(3).messages(1)) {
            start.put(entry.string(1), entry.message(2));
        }
        assertEquals(0.01, start.get("lr").doubleValue(2));
        assertEquals("adam", start.get("optimizer").string(3));
        assertEquals(4.0, start.get("model/layers").doubleValue(2));
        assertEquals(1L, start.get("shuffle").varint(4));
        // Other values read as Python's str() of them, as Lightning's _sanitize_params makes them.
        assertEquals("[8, 16]", start.get("widths").string(3));
        assertEquals("None", start.get("unused").string(3));
        assertEquals(3.0, start.get("stages/1/epochs").doubleValue(2));
        assertEquals("['a', \"b'c\", 'd\\'e\"f']", start.get("tags").string(3));   // Python's str(list)

        assertEquals(1L, plugin.get("_hparams_/session_end_info").message(4).varint(1), "STATUS_SUCCESS");
    }

    @Test
    void explicitHparamMetricsReplaceTheDefault() throws IOException {
        TensorBoardLogger logger = TensorBoardLogger.builder(tmp).build();
        logger.logHyperparams(Map.of("lr", 0.1), metrics("val_acc", 0));
        logger.close();
        assertEquals(List.of("val_acc"), scalars(events(onlyEventFile(logger))).stream().map(Scalar::tag).toList());

        TensorBoardLogger quiet = TensorBoardLogger.builder(tmp).defaultHpMetric(false).build();
        quiet.logHyperparams(Map.of("lr", 0.1));
        quiet.close();
        assertTrue(scalars(events(onlyEventFile(quiet))).isEmpty());
    }
}
