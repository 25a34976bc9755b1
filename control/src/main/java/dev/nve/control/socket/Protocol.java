package dev.nve.control.socket;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Iterator;
import java.util.Set;

/**
 * The wire format of docs/CONTROL.md: reading request envelopes and writing response, error and
 * event lines. Strict on input (duplicate keys, trailing content and unknown envelope fields are
 * errors) so that a typo fails loudly instead of being half-applied.
 */
final class Protocol
{
    static final int VERSION = 1;
    static final Set<String> ENVELOPE = Set.of("v", "id", "op", "params");

    static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();

    private Protocol()
    {
    }

    /** Parses one line (without its newline) into a JSON object. */
    static ObjectNode readObject(final byte[] line) throws ControlException
    {
        final JsonNode tree;
        try
        {
            tree = MAPPER.readTree(line);
        }
        catch (final JsonProcessingException e)
        {
            final JsonLocation where = e.getLocation();
            throw new ControlException(ErrorCode.PARSE_ERROR, "not JSON: " + e.getOriginalMessage()
                + (where != null && where.getColumnNr() > 0 ? " (column " + where.getColumnNr() + ")" : ""));
        }
        catch (final IOException e)
        {
            throw new ControlException(ErrorCode.PARSE_ERROR, "not JSON: " + e.getMessage());
        }
        if (tree == null || !tree.isObject())
        {
            throw new ControlException(ErrorCode.PARSE_ERROR, "a request must be a JSON object, got " + (tree == null ? "nothing" : kind(tree)));
        }
        return (ObjectNode)tree;
    }

    /** The request's id if it is a valid one, else null: errors about the rest of the envelope still carry it. */
    static JsonNode validId(final ObjectNode request)
    {
        final JsonNode id = request.get("id");
        return id != null && (id.isTextual() || id.isIntegralNumber()) ? id : null;
    }

    /** Checks the envelope: {@code v}, {@code id}, {@code op}, optional {@code params}, nothing else. */
    static Request request(final ObjectNode request) throws ControlException
    {
        final JsonNode id = request.get("id");
        if (id == null)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "missing field \"id\"");
        }
        if (validId(request) == null)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "field \"id\" must be a string or an integer, got " + kind(id));
        }
        final JsonNode v = request.get("v");
        if (v == null)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "missing field \"v\" (this server speaks v " + VERSION + ")");
        }
        if (!v.isIntegralNumber())
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "field \"v\" must be an integer, got " + kind(v));
        }
        if (!v.canConvertToInt() || v.intValue() != VERSION)
        {
            throw new ControlException(ErrorCode.UNSUPPORTED_VERSION, "v " + v + " is not supported; this server speaks v " + VERSION);
        }
        final Iterator<String> names = request.fieldNames();
        while (names.hasNext())
        {
            final String name = names.next();
            if (!ENVELOPE.contains(name))
            {
                throw new ControlException(ErrorCode.BAD_REQUEST, "unknown field \"" + name + "\" (the envelope has v, id, op, params)");
            }
        }
        final JsonNode op = request.get("op");
        if (op == null)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "missing field \"op\"");
        }
        if (!op.isTextual() || op.asText().isEmpty())
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "field \"op\" must be a non-empty string, got " + kind(op));
        }
        final JsonNode params = request.get("params");
        if (params != null && !params.isNull() && !params.isObject())
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "field \"params\" must be an object, got " + kind(params));
        }
        return new Request(id, op.asText(), params instanceof ObjectNode object ? object : MAPPER.createObjectNode());
    }

    static byte[] ok(final JsonNode id, final JsonNode result)
    {
        final ObjectNode line = envelope(id);
        line.put("ok", true);
        line.set("result", result == null ? NullNode.getInstance() : result);
        return encode(line);
    }

    static byte[] error(final JsonNode id, final ErrorCode code, final String message)
    {
        final ObjectNode line = envelope(id);
        line.put("ok", false);
        final ObjectNode error = line.putObject("error");
        error.put("code", code.name());
        error.put("message", message);
        return encode(line);
    }

    static byte[] event(final JsonNode id, final JsonNode event)
    {
        final ObjectNode line = envelope(id);
        line.set("event", event == null ? NullNode.getInstance() : event);
        return encode(line);
    }

    private static ObjectNode envelope(final JsonNode id)
    {
        final ObjectNode line = MAPPER.createObjectNode();
        line.put("v", VERSION);
        line.set("id", id == null ? NullNode.getInstance() : id);
        return line;
    }

    /** The node as UTF-8 JSON and a newline (Jackson escapes newlines inside strings, so it is one line). */
    static byte[] encode(final JsonNode node)
    {
        try
        {
            final byte[] json = MAPPER.writeValueAsBytes(node);
            final byte[] line = new byte[json.length + 1];
            System.arraycopy(json, 0, line, 0, json.length);
            line[json.length] = '\n';
            return line;
        }
        catch (final JsonProcessingException e)
        {
            throw new IllegalStateException("cannot encode a JSON tree: " + e.getOriginalMessage(), e);
        }
    }

    static String kind(final JsonNode node)
    {
        return switch (node.getNodeType())
        {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case STRING -> "a string";
            case NUMBER -> node.isIntegralNumber() ? "an integer" : "a fraction";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case BINARY -> "binary";
            case MISSING -> "nothing";
        };
    }
}
