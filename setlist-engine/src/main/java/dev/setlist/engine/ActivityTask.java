package dev.setlist.engine;

/** A task handed to an activity worker: complete it with its token. */
public record ActivityTask(String taskToken, String input) {}
