package io.mixnorm.lab.models;

/** One normalization position of a model: its name, 1-based index, and the norm it got. */
public record LayerInfo(String name, int index, String norm, int channels) {}
