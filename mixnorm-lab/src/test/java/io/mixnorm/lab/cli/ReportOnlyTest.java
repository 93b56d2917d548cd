package io.mixnorm.lab.cli;

import static io.mixnorm.lab.cli.CliTest.assertUsageError;
import static io.mixnorm.lab.cli.CliTest.reproduce;
import static io.mixnorm.lab.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mixnorm.lab.train.SyntheticCifar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reproduce --report-only}: it reports what is there and changes no study's pin. */
class ReportOnlyTest {
    @TempDir Path tmp;

    /**
     * A study made by an older build whose defaults differ from today's: study.json keeps only what
     * the study sets, so its runs' config.json record a default this build no longer has. Training
     * more into that folder must still be refused (it would mix two recipes), but {@code
     * --report-only} reports the runs as they were made, and says which run differs in what.
     */
    @Test
    void reportOnlyReportsRunsMadeWithAnOlderDefaultAndSaysSo() throws IOException {
        Path data = SyntheticCifar.writeFolder(tmp.resolve("cifar"));
        Path cfg = tmp.resolve("study.json");
        Files.writeString(
                cfg,
                """
                {"name": "drift", "train": {"steps": 2, "evalEvery": 2, "batchSize": 16},
                 "lrs": [0.001], "seeds": [1], "variants": [{"name": "bn", "norm": "bn"}]}\
                """);
        String out = tmp.resolve("study").toString();
        String[] train = {
            "reproduce",
            "--config",
            cfg.toString(),
            "--data",
            data.toString(),
            "--out",
            out,
            "--quiet"
        };
        CliTest.Outcome o = run(train);
        assertEquals(0, o.code(), o.err());

        // the run as an older build with another --eval-batch-size default would have made it
        Path config = Path.of(out, "runs", "lr-0.001", "bn", "seed-1", "config.json");
        JsonObject c = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
        int now = c.get("evalBatchSize").getAsInt();
        c.addProperty("evalBatchSize", now + 7);
        Files.writeString(config, c.toString());

        o = reproduce(cfg, data, out, "--report-only");
        assertEquals(0, o.code(), o.err());
        String said = o.out() + o.err();
        assertTrue(
                said.contains("note: run folder")
                        && said.contains("--eval-batch-size")
                        && said.contains("the report shows it as it was made"),
                said);
        assertTrue(Files.exists(Path.of(out, "report.md")));

        assertUsageError(run(train), "belongs to a different study");

        // a difference in what the study itself sets is another study's run, reporting or not
        c.addProperty("lr", 0.002);
        Files.writeString(config, c.toString());
        assertUsageError(
                reproduce(cfg, data, out, "--report-only"),
                "belongs to a different study: its --lr (0.002 there, 0.001 now)");
    }

    @Test
    void reportOnlyNeverRewritesTheStudysSeedList() throws IOException {
        Path data = SyntheticCifar.writeFolder(tmp.resolve("cifar"));
        Path cfg = tmp.resolve("study.json");
        Files.writeString(
                cfg,
                """
                {"name": "seeds", "train": {"steps": 2, "evalEvery": 2, "batchSize": 16},
                 "lrs": [0.001], "seeds": [1, 2], "variants": [{"name": "bn", "norm": "bn"}]}\
                """);
        Path out = tmp.resolve("study");
        assertEquals(0, reproduce(cfg, data, out, "--report-only").code(), "claims a new folder");
        Path pin = out.resolve("study.json");
        String pinned = Files.readString(pin);
        assertTrue(pinned.contains("2"), pinned);
        CliTest.Outcome o = reproduce(cfg, data, out, "--report-only", "--seeds", "1");
        assertEquals(0, o.code(), o.err());
        assertEquals(pinned, Files.readString(pin), "the next training command continues 2 seeds");
    }
}
