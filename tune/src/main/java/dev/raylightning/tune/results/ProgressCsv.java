package dev.raylightning.tune.results;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A trial's {@code progress.csv}: one row per report under a header taken from the first row.
 * Ray drops keys that appear after the first row; here the file is rewritten with a widened
 * header instead, so no reported value is lost and every row still lines up with the header.
 * The header is read back from the file on every append, so appends after a resume (or from a
 * fresh {@link ExperimentDirectory}) continue the same file correctly.
 */
final class ProgressCsv {

    // Plain newlines rather than CSVFormat.DEFAULT's CRLF: the file is meant for Unix tools too.
    static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder().setRecordSeparator("\n").build();

    private ProgressCsv() {
    }

    /** Appends one row, rewriting the file first when the row brings columns the header lacks. */
    static void append(Path file, Map<String, Object> row) {
        try {
            List<String> header = readHeader(file);
            if (header.isEmpty()) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                List<String> columns = new ArrayList<>(row.keySet());
                StringBuilder text = new StringBuilder();
                try (CSVPrinter out = new CSVPrinter(text, FORMAT)) {
                    out.printRecord(columns);
                    out.printRecord(cells(columns, row));
                }
                AtomicFiles.write(file, text.toString());
            } else if (header.containsAll(row.keySet())) {
                StringBuilder line = new StringBuilder();
                try (CSVPrinter out = new CSVPrinter(line, FORMAT)) {
                    out.printRecord(cells(header, row));
                }
                AtomicFiles.append(file, line.toString());
            } else {
                widen(file, header, row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    /** The column names, or an empty list when the file is missing or empty. */
    static List<String> readHeader(Path file) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
            return List.of();
        }
        try (CSVParser parser = CSVParser.parse(file, StandardCharsets.UTF_8, FORMAT)) {
            Iterator<CSVRecord> it = parser.iterator();
            return it.hasNext() ? it.next().toList() : List.of();
        }
    }

    private static void widen(Path file, List<String> header, Map<String, Object> row) throws IOException {
        LinkedHashSet<String> columns = new LinkedHashSet<>(header);
        columns.addAll(row.keySet());
        List<String> wide = new ArrayList<>(columns);
        StringBuilder text = new StringBuilder();
        try (CSVParser parser = CSVParser.parse(file, StandardCharsets.UTF_8, FORMAT);
                CSVPrinter out = new CSVPrinter(text, FORMAT)) {
            out.printRecord(wide);
            boolean first = true;
            for (CSVRecord old : parser) {
                if (first) {
                    first = false; // the old header
                    continue;
                }
                List<String> cells = new ArrayList<>(old.toList());
                while (cells.size() < wide.size()) {
                    cells.add("");
                }
                out.printRecord(cells);
            }
            out.printRecord(cells(wide, row));
        }
        AtomicFiles.write(file, text.toString());
    }

    private static List<String> cells(List<String> columns, Map<String, Object> row) {
        List<String> cells = new ArrayList<>(columns.size());
        for (String c : columns) {
            cells.add(cell(row.get(c)));
        }
        return cells;
    }

    /** Numbers as Java prints them (so Double.parseDouble reads them back), lists and maps as JSON. */
    static String cell(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Map<?, ?> || v instanceof List<?>) {
            return Json.GSON.toJson(Json.element(v));
        }
        return v.toString();
    }
}
