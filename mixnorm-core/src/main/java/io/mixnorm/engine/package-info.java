/**
 * Engine-level safeguards that mixnorm applies around DJL's PyTorch engine. They are not about
 * mixture normalization; they are about getting correct numbers out of the native libraries
 * underneath it (see {@link io.mixnorm.engine.OneDnnWorkaround}).
 */
package io.mixnorm.engine;
