/**
 * CIFAR data for the lab, in plain Java arrays (no DJL): reading the binary distributions ({@link
 * io.mixnorm.lab.data.CifarReader}) from a folder or by streaming a {@code .tar.gz}, immutable
 * in-memory data sets ({@link io.mixnorm.lab.data.CifarDataset}), per-channel standardization
 * ({@link io.mixnorm.lab.data.Standardization}), deterministic and exactly resumable mini-batch
 * streams with crop and flip augmentation ({@link io.mixnorm.lab.data.BatchStream}), and the
 * download and checksum checks of the official archives ({@link
 * io.mixnorm.lab.data.CifarDownloader}, {@link io.mixnorm.lab.data.Checksums}, {@link
 * io.mixnorm.lab.data.MiniSet}).
 *
 * <p>Images are CHW uint8, 3 x 32 x 32 = 3072 bytes (red plane, green plane, blue plane, each
 * row-major). Every user-fixable problem (missing, malformed or unsafe file, bad checksum, network
 * failure) is a {@link io.mixnorm.lab.data.DataException} with a one-line message naming the file.
 *
 * <p>Typical use:
 *
 * <pre>{@code
 * CifarSplits splits = CifarReader.read(Path.of("data/cifar-10-mini-binary.tar.gz"), CifarVariant.CIFAR10);
 * Standardization norm = Standardization.fit(splits.train());
 * BatchStream train = BatchStream.training(splits.train(), norm, 128, seed);
 * BatchStream.Batch b = train.next();           // b.images(): 128*3*32*32 floats, NCHW
 * BatchStream.State s = train.state();          // save with the checkpoint; later: train.seek(s)
 * for (BatchStream eval = BatchStream.evaluation(splits.test(), norm, 256); eval.hasNext(); ) { ... }
 * }</pre>
 */
package io.mixnorm.lab.data;
