package io.mixnorm.lab.train;

/** Mean loss and accuracy over a whole evaluation set. */
public record EvalResult(double loss, double accuracy, int examples) {}
