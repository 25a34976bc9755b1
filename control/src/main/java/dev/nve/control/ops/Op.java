package dev.nve.control.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.socket.ControlException;

/** One operation of the control socket, run on the control thread. */
@FunctionalInterface
interface Op
{
    /**
     * Validates {@code params}, changes the tables (recording the inverse in {@code undo}) and
     * returns the result (JSON or anything Jackson converts).
     */
    Object apply(ObjectNode params, Undo undo) throws ControlException;
}
