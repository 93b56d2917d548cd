package io.mixnorm.lab.cli;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarDownloader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mixnorm download cifar10|cifar100 --to DIR}: the official archive, MD5-verified. */
@Command(
        name = "download",
        mixinStandardHelpOptions = true,
        description =
                "Download the official CIFAR-10 or CIFAR-100 binary archive and verify its MD5.")
public final class DownloadCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DATASET", description = "cifar10 or cifar100")
    String dataset;

    @Option(names = "--to", required = true, description = "Folder to save the archive in.")
    Path to;

    @Override
    public Integer call() {
        if (!dataset.equals("cifar10") && !dataset.equals("cifar100")) {
            throw new UserException(
                    "download: unknown dataset '" + dataset + "' (expected cifar10 or cifar100)");
        }
        Path archive = CifarDownloader.download(dataset, to);
        System.out.println("saved and verified " + archive + "; train with --data " + archive);
        return 0;
    }
}
