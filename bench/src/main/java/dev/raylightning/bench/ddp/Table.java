package dev.raylightning.bench.ddp;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A small table printed as aligned text or as Markdown. */
final class Table {

    private final String title;
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    Table(String title, String... header) {
        this.title = title;
        this.header = List.of(header);
    }

    void row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(String.valueOf(c));
        }
        rows.add(r);
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    void print(PrintStream out, boolean markdown) {
        if (rows.isEmpty()) {
            return;
        }
        out.println(markdown ? "**" + title + "**" : "== " + title);
        out.println();
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = header.get(i).length();
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        line(out, header, w, markdown);
        if (markdown) {
            StringBuilder sep = new StringBuilder("|");
            for (int i = 0; i < w.length; i++) {
                sep.append(i == 0 ? "---|" : "--:|");
            }
            out.println(sep);
        }
        for (List<String> r : rows) {
            line(out, r, w, markdown);
        }
        out.println();
    }

    private static void line(PrintStream out, List<String> cells, int[] w, boolean markdown) {
        StringBuilder b = new StringBuilder(markdown ? "| " : "");
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            String padded = i == 0 ? String.format("%-" + w[i] + "s", c) : String.format("%" + w[i] + "s", c);
            b.append(padded).append(markdown ? " | " : "  ");
        }
        out.println(b.toString().stripTrailing());
    }
}
