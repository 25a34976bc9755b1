package dev.nve.control.socket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;

/**
 * One request as a handler sees it, its envelope already checked.
 *
 * @param id     the client's id (a string or an integer node), echoed in the response
 * @param op     the operation name, not empty
 * @param params the parameters; an empty object when the request has none
 */
public record Request(JsonNode id, String op, ObjectNode params)
{
    public Request
    {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(params, "params");
    }
}
