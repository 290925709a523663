package dev.raylightning.tune.results;

import java.util.ArrayList;
import java.util.List;

/** A table drawn with {@code +---+} borders, the layout of tabulate's {@code psql} format that Ray prints. */
final class TextTable {

    enum Align { LEFT, RIGHT }

    private TextTable() {
    }

    /** The table's lines joined by newlines (no trailing newline); headers align like their column. */
    static String render(List<String> headers, List<Align> aligns, List<List<String>> rows) {
        int n = headers.size();
        int[] width = new int[n];
        for (int c = 0; c < n; c++) {
            width[c] = headers.get(c).length();
            for (List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add(rule('+', '+', width));
        lines.add(line(headers, aligns, width));
        lines.add(rule('|', '+', width));
        rows.forEach(r -> lines.add(line(r, aligns, width)));
        lines.add(rule('+', '+', width));
        return String.join("\n", lines);
    }

    private static String rule(char edge, char cross, int[] width) {
        StringBuilder sb = new StringBuilder().append(edge);
        for (int c = 0; c < width.length; c++) {
            sb.append("-".repeat(width[c] + 2)).append(c == width.length - 1 ? edge : cross);
        }
        return sb.toString();
    }

    private static String line(List<String> cells, List<Align> aligns, int[] width) {
        StringBuilder sb = new StringBuilder("|");
        for (int c = 0; c < width.length; c++) {
            String s = cells.get(c);
            String pad = " ".repeat(width[c] - s.length());
            sb.append(' ').append(aligns.get(c) == Align.RIGHT ? pad + s : s + pad).append(" |");
        }
        return sb.toString();
    }
}
