package io.mixnorm.lab.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.mixnorm.lab.UserException;

/** Maps {@code --device cpu|gpu} to a DJL device, with a clear error when no GPU is usable. */
public final class Devices {
    private Devices() {}

    public static Device resolve(String name) {
        if ("gpu".equals(name)) {
            if (Engine.getInstance().getGpuCount() == 0) {
                throw new UserException(
                        "--device gpu: the PyTorch engine sees no CUDA GPU; put a CUDA build of the"
                            + " PyTorch native library on the classpath (see README, 'GPU') or use"
                            + " --device cpu");
            }
            return Device.gpu();
        }
        return Device.cpu();
    }
}
