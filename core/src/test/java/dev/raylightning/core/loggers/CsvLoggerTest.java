package dev.raylightning.core.loggers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

class CsvLoggerTest {

    @TempDir
    Path tmp;

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static Map<String, Double> row(Object... kv) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1] == null ? null : ((Number) kv[i + 1]).doubleValue());
        }
        return m;
    }

    @Test
    void versionsAutoIncrementPastExistingDirectories() throws IOException {
        Path root = tmp.resolve("lightning_logs");
        Files.createDirectories(root.resolve("version_0"));
        Files.createDirectories(root.resolve("version_3_old"));   // counts as 3, like Lightning
        Files.createDirectories(root.resolve("version_x"));       // not a number: ignored
        Files.createDirectories(root.resolve("other"));
        Files.writeString(root.resolve("version_9"), "a file, not a dir");

        CsvLogger first = new CsvLogger(tmp);
        assertEquals("lightning_logs", first.name());
        assertEquals("version_4", first.version());
        assertEquals(root.resolve("version_4"), first.logDir().orElseThrow());
        assertTrue(Files.isDirectory(root.resolve("version_4")), "dir is created to reserve the version");

        CsvLogger second = CsvLogger.builder(tmp).build();
        assertEquals("version_5", second.version());
    }

    @Test
    void firstVersionInEmptyRootIsZero() {
        CsvLogger logger = CsvLogger.builder(tmp.resolve("fresh")).name("exp").build();
        assertEquals("version_0", logger.version());
        assertEquals(tmp.resolve("fresh/exp/version_0"), logger.logDir().orElseThrow());
    }

    @Test
    void explicitVersionsAndEmptyName() {
        assertEquals(tmp.resolve("lightning_logs/version_7"),
                CsvLogger.builder(tmp).version(7).build().logDir().orElseThrow());
        CsvLogger named = CsvLogger.builder(tmp).name("exp").version("run_a").build();
        assertEquals("run_a", named.version());
        assertEquals(tmp.resolve("exp/run_a"), named.logDir().orElseThrow());
        CsvLogger flat = CsvLogger.builder(tmp.resolve("flat")).name("").build();
        assertEquals(tmp.resolve("flat/version_0"), flat.logDir().orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> CsvLogger.builder(tmp).version(-1));
        assertThrows(IllegalArgumentException.class, () -> CsvLogger.builder(tmp).flushLogsEveryNSteps(0));
    }

    @Test
    void newKeyRewritesFileWithWiderSortedHeader() throws IOException {
        CsvLogger logger = CsvLogger.builder(tmp).flushLogsEveryNSteps(1).build();
        logger.logMetrics(row("train_loss", 1.0), 0);
        assertEquals("step,train_loss\r\n0,1.0\r\n", read(logger.metricsFile()));

        logger.logMetrics(row("train_loss", 0.5, "val_acc", 0.75, "epoch", 0), 1);
        assertEquals("""
                epoch,step,train_loss,val_acc\r
                ,0,1.0,\r
                0,1,0.5,0.75\r
                """, read(logger.metricsFile()));

        // Known keys only: the row is appended under the existing header.
        logger.logMetrics(row("val_acc", 0.8), 2);
        assertEquals("""
                epoch,step,train_loss,val_acc\r
                ,0,1.0,\r
                0,1,0.5,0.75\r
                ,2,,0.8\r
                """, read(logger.metricsFile()));
        logger.close();
    }

    @Test
    void rowsInOneFlushShareTheUnionHeaderWithEmptyCells() throws IOException {
        CsvLogger logger = CsvLogger.builder(tmp).build();
        logger.logMetrics(row("a", 1), 0);
        logger.logMetrics(row("b", 2), 1);
        logger.logMetrics(row("a", 3, "c", null), 2);   // a null value is an empty cell
        logger.save();
        assertEquals("a,b,c,step\r\n1.0,,,0\r\n,2.0,,1\r\n3.0,,,2\r\n", read(logger.metricsFile()));
    }

    @Test
    void flushesEveryNStepsAndOnClose() throws IOException {
        CsvLogger logger = CsvLogger.builder(tmp).flushLogsEveryNSteps(3).build();
        logger.logMetrics(row("loss", 0.1), 0);
        logger.logMetrics(row("loss", 0.2), 1);
        assertFalse(Files.exists(logger.metricsFile()), "nothing written before step 2");
        assertEquals(2, logger.pendingRows());

        logger.logMetrics(row("loss", 0.3), 2);   // (2 + 1) % 3 == 0
        assertEquals(List.of("loss,step", "0.1,0", "0.2,1", "0.3,2"),
                Files.readAllLines(logger.metricsFile()));
        assertEquals(0, logger.pendingRows());

        logger.logMetrics(row("loss", 0.4), 3);
        assertEquals(4, Files.readAllLines(logger.metricsFile()).size());
        logger.close();
        assertEquals(List.of("loss,step", "0.1,0", "0.2,1", "0.3,2", "0.4,3"),
                Files.readAllLines(logger.metricsFile()));

        logger.save();   // nothing pending: file unchanged
        assertEquals(5, Files.readAllLines(logger.metricsFile()).size());
    }

    @Test
    void finishFlushes() throws IOException {
        CsvLogger logger = new CsvLogger(tmp);
        logger.logMetrics(row("loss", 2.0), 5);
        logger.finish("success");
        assertEquals("loss,step\r\n2.0,5\r\n", read(logger.metricsFile()));
    }

    @Test
    void valuesAreFormattedLikePython() throws IOException {
        CsvLogger logger = CsvLogger.builder(tmp).prefix("fit").build();
        logger.logMetrics(row("lr", 1e-5, "big", 1e16, "nan", Double.NaN, "epoch", 3), 41);
        logger.save();
        // The prefix applies to every key, so "epoch" becomes "fit-epoch" and stays a float.
        assertEquals("fit-big,fit-epoch,fit-lr,fit-nan,step\r\n1e+16,3.0,1e-05,nan,41\r\n",
                read(logger.metricsFile()));
    }

    @Test
    void awkwardKeysAreQuoted() throws IOException {
        CsvLogger logger = new CsvLogger(tmp);
        logger.logMetrics(row("a,b", 1, "say \"hi\"", 2), 0);
        logger.close();
        assertEquals("\"a,b\",\"say \"\"hi\"\"\",step\r\n1.0,2.0,0\r\n", read(logger.metricsFile()));
    }

    @Test
    void reusedVersionDirectoryStartsAFreshMetricsFile() throws IOException {
        Path dir = tmp.resolve("lightning_logs/version_0");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("metrics.csv"), "old,step\r\n1,0\r\n");
        CsvLogger logger = CsvLogger.builder(tmp).version(0).build();
        assertFalse(Files.exists(logger.metricsFile()));
        logger.logMetrics(row("new", 1), 0);
        logger.close();
        assertEquals("new,step\r\n1.0,0\r\n", read(logger.metricsFile()));
    }

    @Test
    void hparamsYamlIsBlockStyleSortedLikePyYamlAndMerges() throws IOException {
        CsvLogger logger = new CsvLogger(tmp);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("lr", 0.001);
        params.put("batch_size", 32);
        params.put("optimizer", "adam");
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("layers", List.of(64, 32));
        model.put("dropout", true);
        params.put("model", model);
        params.put("path", tmp.resolve("data"));   // arbitrary objects become strings
        params.put("eps", 1e-8);                   // PyYAML spelling: 1.0e-08
        params.put("version", "1.10");             // a string that looks like a float stays one
        logger.logHyperparams(params);

        Path yamlFile = logger.logDir().orElseThrow().resolve(CsvLogger.HPARAMS_FILE);
        assertEquals("""
                batch_size: 32
                eps: 1.0e-08
                lr: 0.001
                model:
                  dropout: true
                  layers:
                  - 64
                  - 32
                optimizer: adam
                path: %s
                version: '1.10'
                """.formatted(tmp.resolve("data")), read(yamlFile));

        logger.logHyperparams(Map.of("lr", 0.01, "seed", 7));
        Map<String, Object> loaded = new Yaml().load(read(yamlFile));
        assertEquals(List.of("batch_size", "eps", "lr", "model", "optimizer", "path", "seed", "version"),
                List.copyOf(loaded.keySet()));
        assertEquals("1.10", loaded.get("version"));
        assertEquals(1e-8, loaded.get("eps"));
        assertEquals(0.01, loaded.get("lr"));
        assertEquals(7, loaded.get("seed"));
    }

    @Test
    void saveWritesEmptyHparamsLikeLightning() throws IOException {
        CsvLogger logger = new CsvLogger(tmp);
        logger.save();
        assertEquals("{}\n", read(logger.logDir().orElseThrow().resolve("hparams.yaml")));
        assertFalse(Files.exists(logger.metricsFile()), "no rows, no metrics file");
    }
}
