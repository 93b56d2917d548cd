package io.mixnorm.lab.study;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.train.TrainingRun;
import io.mixnorm.lab.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The promise every study folder keeps, whatever kind of runs it holds (classifier or GAN): the
 * folder is new, or holds this same study. {@code study.json} pins the grid; only the seed list may
 * grow between invocations. Every run folder already there must have been made with the config the
 * study gives it. All of it is checked before anything trains, and {@code study.json} is written
 * only once the checks pass, so a refused command leaves the folder as it was.
 */
final class StudyFolder {
    /**
     * The kind a study.json without a {@code kind} key has: the classification studies came first.
     */
    static final String CLASSIFICATION = "classification";

    private StudyFolder() {}

    /**
     * Checks {@code out} for {@code spec} and pins it there.
     *
     * @param runMismatches for every run folder of the grid that already holds a run: the first
     *     config difference that makes it another study's, or null
     * @param training whether the command will train; one that only reports claims a new folder but
     *     never rewrites an existing study.json
     */
    static void claim(
            Path out, StudySpec spec, Map<Path, Supplier<String>> runMismatches, boolean training) {
        Path specFile = out.resolve(StudyRunner.SPEC_FILE);
        if (Files.exists(specFile)) {
            String savedKind = kindOf(specFile);
            StudySpec saved;
            try {
                if (!savedKind.equals(spec.kind().name())) {
                    throw new UserException(
                            "it is a "
                                    + savedKind
                                    + " study, not a "
                                    + spec.kind().name()
                                    + " one");
                }
                saved = StudySpec.load(specFile);
            } catch (UserException e) {
                throw new UserException(
                        "--out "
                                + out
                                + " holds a damaged or foreign "
                                + StudyRunner.SPEC_FILE
                                + " ("
                                + e.getMessage()
                                + "); choose another --out");
            }
            if (!sameJson(saved.gridJson(), spec.gridJson())) {
                throw new UserException(
                        "--out "
                                + out
                                + " holds the study '"
                                + saved.name
                                + "' with a different grid or "
                                + "budget than '"
                                + spec.name
                                + "' asks for; choose another --out (compare "
                                + specFile
                                + ")");
            }
        } else if (Files.isDirectory(out.resolve("runs")) || TrainingRun.hasRun(out)) {
            throw new UserException(
                    "--out "
                            + out
                            + " holds runs but no "
                            + StudyRunner.SPEC_FILE
                            + ": not a study folder; choose another --out");
        }
        for (Map.Entry<Path, Supplier<String>> run : runMismatches.entrySet()) {
            String mismatch = run.getValue().get();
            if (mismatch != null) {
                throw new UserException(
                        "run folder "
                                + run.getKey()
                                + " belongs to a different study: its "
                                + mismatch
                                + "; choose another --out");
            }
        }
        // a command that only reports claims a new folder but never rewrites a study's pin: with
        // --seeds it would otherwise shrink the seed list that the next training command continues
        if (training || !Files.exists(specFile)) {
            AtomicFiles.writeString(specFile, spec.toJson() + "\n");
        }
    }

    /**
     * Equal as JSON values, not as text: a study.json edited by another tool may write 2.0E-4 as
     * 0.0002 or reorder keys (Gson compares numbers by value and objects as maps).
     */
    static boolean sameJson(String a, String b) {
        return JsonParser.parseString(a).equals(JsonParser.parseString(b));
    }

    /**
     * The {@code kind} of a study file; {@link #CLASSIFICATION} when absent or unreadable (the
     * loader then says why).
     */
    static String kindOf(Path specFile) {
        try {
            JsonElement e = JsonParser.parseString(Files.readString(specFile));
            if (e.isJsonObject()) {
                JsonObject o = e.getAsJsonObject();
                if (o.has("kind") && o.get("kind").isJsonPrimitive()) {
                    return o.get("kind").getAsString();
                }
            }
        } catch (IOException | RuntimeException e) {
            // a damaged file: the kind's own loader names the problem
        }
        return CLASSIFICATION;
    }
}
