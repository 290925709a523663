package dev.raylightning.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Emits results as JSON lines on stdout and, when a file is given, appends them there too. */
public final class JsonLines {

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private final Path file;

    /** @param file where lines are appended as well, or null for stdout only */
    public JsonLines(Path file) {
        this.file = file;
    }

    public void emit(JsonObject o) {
        emit(GSON.toJson(o));
    }

    /** Emits one line that already is JSON. */
    public void emit(String line) {
        System.out.println(line);
        System.out.flush();
        if (file == null) {
            return;
        }
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("could not append to " + file, e);
        }
    }

    /** Milliseconds to seconds, three decimals; NaN when the milestone was never reached. */
    public static double seconds(double fromMillis, double toMillis) {
        if (fromMillis < 0 || toMillis < 0) {
            return Double.NaN;
        }
        return Math.round(toMillis - fromMillis) / 1000.0;
    }

    /** Rounded to {@code digits} decimals, for readable lines. */
    public static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
