-- intact.lua: a Wireshark / tshark dissector for intact's wire formats.
--
-- Shows protocol v1 (hellos: magic, version, role, nonce; frames: type,
-- sequence number, length, payload text, tag) and the lab's format
-- (message|TAG) with TCP reassembly: a frame split over several segments is
-- shown once, in the segment that completes it, and several frames in one
-- segment are each shown. The format is recognised per TCP stream from its
-- first bytes by sniff_wire_format below, which mirrors intact's one rule
-- (include/intact/wire_sniff.hpp; docs/protocol.md, "Telling the formats apart").
--
-- It only displays: it holds no key and never claims a tag is valid. To learn
-- which messages were genuine, run `intact verify --key-file KEY CAPTURE`.
--
-- Install: copy this file into Wireshark's personal Lua plugins folder
-- (Help > About Wireshark > Folders > Personal Lua Plugins, usually
-- ~/.local/lib/wireshark/plugins/), or load it for one run:
--   tshark -X lua_script:contrib/wireshark/intact.lua -r chat.pcapng -V
-- The TCP port is a preference (Edit > Preferences > Protocols > INTACT, or
-- tshark -o intact.port:9000); default 8080, the lab's. Streams on other
-- ports that open with an intact v1 hello are recognised heuristically, and
-- "Decode As" (tshark -d tcp.port==9000,intact) works as usual.

local intact = Proto("intact", "intact authenticated messaging")

local V1_OPENING = "INTACT\1"
local HELLO_SIZE = 40
local HEADER_SIZE = 13
local TAG_SIZE = 32
local MAX_PAYLOAD = 1048576
local LEGACY_MAX_MESSAGE = 65536
local LEGACY_TAG_PATTERN = "|" .. string.rep("%x", 64)

local frame_types = { [1] = "CONFIRM", [2] = "DATA", [3] = "CLOSE", [4] = "CHAT", [5] = "NOTICE" }
local roles = { [0x43] = "client", [0x53] = "server" }
-- A CLOSE payload: u8 reason code, then UTF-8 text (docs/protocol.md, "CLOSE").
local close_codes = { [0] = "normal", [1] = "shutdown", [2] = "kicked", [3] = "idle", [4] = "refused",
                      [5] = "strict", [6] = "integrity", [7] = "protocol" }

local f = {
  format = ProtoField.string("intact.format", "Format"),
  hello = ProtoField.none("intact.hello", "Hello"),
  magic = ProtoField.string("intact.hello.magic", "Magic"),
  version = ProtoField.uint8("intact.hello.version", "Version", base.DEC),
  role = ProtoField.uint8("intact.hello.role", "Role", base.HEX, roles),
  nonce = ProtoField.bytes("intact.hello.nonce", "Nonce"),
  type = ProtoField.uint8("intact.type", "Frame type", base.HEX, frame_types),
  seq = ProtoField.uint64("intact.seq", "Sequence number", base.DEC),
  length = ProtoField.uint32("intact.length", "Payload length", base.DEC),
  payload = ProtoField.string("intact.payload", "Payload text"),
  transcript = ProtoField.bytes("intact.confirm.transcript", "Transcript hash (SHA-256 of both hellos)"),
  name = ProtoField.string("intact.confirm.name", "Sender's name"),
  chat_sender = ProtoField.string("intact.chat.sender", "Relayed from"),
  -- The CHAT name length's high bit (docs/protocol.md, "CHAT"); the seven low bits are the length.
  chat_lab_format = ProtoField.bool("intact.chat.lab_format", "From a lab-format member", 8,
                                    { "yes (integrity checked; replay, reordering, deletion not ruled out)",
                                      "no (a v1 member)" }, 0x80,
                                    "The line came from a lab-format member: the lab's format has no sequence numbers"),
  chat_name_length = ProtoField.uint8("intact.chat.name_length", "Name length", base.DEC, nil, 0x7F),
  close_code = ProtoField.uint8("intact.close.code", "Close code", base.HEX, close_codes),
  close_reason = ProtoField.string("intact.close.reason", "Close reason"),
  tag = ProtoField.bytes("intact.tag", "Tag (HMAC-SHA256)"),
  legacy_message = ProtoField.string("intact.legacy.message", "Message"),
  legacy_tag = ProtoField.string("intact.legacy.tag", "Tag (HMAC-SHA256, hex)"),
}
intact.fields = {
  f.format, f.hello, f.magic, f.version, f.role, f.nonce, f.type, f.seq, f.length, f.payload,
  f.transcript, f.name, f.chat_sender, f.chat_lab_format, f.chat_name_length, f.close_code, f.close_reason, f.tag, f.legacy_message,
  f.legacy_tag,
}

local ef_malformed = ProtoExpert.new("intact.malformed", "Not an intact record",
                                     expert.group.MALFORMED, expert.severity.ERROR)
intact.experts = { ef_malformed }

local FORMAT_AUTO, FORMAT_V1, FORMAT_LEGACY = 0, 1, 2
intact.prefs.port = Pref.uint("TCP port", 8080, "The TCP port decoded as intact (v1 or the lab's format)")
intact.prefs.format = Pref.enum("Format", FORMAT_AUTO, "How to read a stream", {
  { 1, "Detect from the first bytes", FORMAT_AUTO },
  { 2, "Protocol v1", FORMAT_V1 },
  { 3, "The lab's format (message|TAG)", FORMAT_LEGACY },
}, false)
intact.prefs.heuristic = Pref.bool("Recognise v1 on any port", true,
                                   "Also decode TCP streams on other ports that open with an intact v1 hello")

local tcp_stream = Field.new("tcp.stream")

-- Per TCP stream: "v1" or "legacy", learnt from the stream's first bytes.
local stream_format = {}
function intact.init()
  stream_format = {}
end

local function stream_id()
  local s = tcp_stream()
  return s and s.value or -1
end

-- Control characters never reach the Info column as such.
local function preview(text)
  local p = text:gsub("[%c\127]", ".")
  if #p > 40 then p = p:sub(1, 40) .. "..." end
  return '"' .. p .. '"'
end

local function add_text(tree, field, range)
  if range:len() == 0 then
    tree:add(field, range, "")
  else
    tree:add(field, range, range:string(ENC_UTF_8))
  end
end

-- Returns the bytes consumed and a summary, or 0 and the bytes still needed.
local function dissect_v1(tvb, pinfo, tree, offset)
  local remaining = tvb:len() - offset
  if tvb(offset, 1):uint() == 0x49 then -- 'I': a hello
    if remaining < HELLO_SIZE then
      return 0, HELLO_SIZE - remaining
    end
    local t = tree:add(intact, tvb(offset, HELLO_SIZE), "intact v1 hello")
    t:add(f.format, tvb(offset, 0), "v1")
    t:add(f.magic, tvb(offset, 6))
    t:add(f.version, tvb(offset + 6, 1))
    t:add(f.role, tvb(offset + 7, 1))
    t:add(f.nonce, tvb(offset + 8, 32))
    local role = roles[tvb(offset + 7, 1):uint()] or "?"
    t:append_text(" (" .. role .. ")")
    return HELLO_SIZE, "Hello (" .. role .. ")"
  end
  if remaining < HEADER_SIZE then
    return 0, DESEGMENT_ONE_MORE_SEGMENT
  end
  local ftype = tvb(offset, 1):uint()
  local length = tvb(offset + 9, 4):uint()
  if not frame_types[ftype] or length > MAX_PAYLOAD then
    local t = tree:add(intact, tvb(offset, remaining), "intact v1: not a frame")
    t:add_proto_expert_info(ef_malformed, string.format(
      "type 0x%02X, length %d: the stream is corrupted or not intact v1", ftype, length))
    return remaining, "not a frame"
  end
  local total = HEADER_SIZE + length + TAG_SIZE
  if remaining < total then
    return 0, total - remaining
  end
  local name = frame_types[ftype]
  local seq = tvb(offset + 1, 8):uint64()
  local t = tree:add(intact, tvb(offset, total),
                     string.format("intact v1 %s, seq %s, %d bytes", name, tostring(seq), length))
  t:add(f.format, tvb(offset, 0), "v1")
  t:add(f.type, tvb(offset, 1))
  t:add(f.seq, tvb(offset + 1, 8))
  t:add(f.length, tvb(offset + 9, 4))
  local p = offset + HEADER_SIZE
  local summary = string.format("%s seq=%s", name, tostring(seq))
  if ftype == 1 then -- CONFIRM: transcript hash, then the sender's name
    if length >= 32 then
      t:add(f.transcript, tvb(p, 32))
      add_text(t, f.name, tvb(p + 32, length - 32))
      summary = summary .. " name=" .. preview(tvb(p + 32, length - 32):raw())
    end
  elseif ftype == 4 and length >= 1 and tvb(p, 1):uint() % 128 <= 64 and
         1 + tvb(p, 1):uint() % 128 <= length then -- CHAT: L and length in one byte, name, text
    local lab = tvb(p, 1):uint() >= 128
    local n = tvb(p, 1):uint() % 128
    t:add(f.chat_lab_format, tvb(p, 1))
    t:add(f.chat_name_length, tvb(p, 1))
    add_text(t, f.chat_sender, tvb(p + 1, n))
    add_text(t, f.payload, tvb(p + 1 + n, length - 1 - n))
    summary = summary .. (lab and " [lab format] " or " ") .. preview(tvb(p + 1, n):raw()) .. ": " ..
              preview(tvb(p + 1 + n, length - 1 - n):raw())
  elseif ftype == 3 and length >= 1 then -- CLOSE: reason code, then its text
    local code = tvb(p, 1):uint()
    t:add(f.close_code, tvb(p, 1))
    add_text(t, f.close_reason, tvb(p + 1, length - 1))
    summary = summary .. " code=" .. (close_codes[code] or string.format("0x%02X (unknown)", code))
    if length > 1 then summary = summary .. " " .. preview(tvb(p + 1, length - 1):raw()) end
  else
    add_text(t, f.payload, tvb(p, length))
    if length > 0 then summary = summary .. " " .. preview(tvb(p, length):raw()) end
  end
  t:add(f.tag, tvb(p + length, TAG_SIZE))
  return total, summary
end

local function dissect_legacy(tvb, pinfo, tree, offset)
  local remaining = tvb:len() - offset
  local window = math.min(remaining, LEGACY_MAX_MESSAGE + 65)
  -- The message ends at the first '|' followed by 64 hex digits, as in intact's decoder.
  local bar = tvb:raw(offset, window):find(LEGACY_TAG_PATTERN)
  if not bar then
    if remaining > LEGACY_MAX_MESSAGE + 65 then
      local t = tree:add(intact, tvb(offset, remaining), "intact (lab's format): no tag")
      t:add_proto_expert_info(ef_malformed, "no message|TAG in " .. remaining .. " bytes")
      return remaining, "no tag"
    end
    return 0, DESEGMENT_ONE_MORE_SEGMENT
  end
  local mlen = bar - 1
  local total = mlen + 1 + 64
  local t = tree:add(intact, tvb(offset, total), "intact (lab's format) message")
  t:add(f.format, tvb(offset, 0), "legacy")
  add_text(t, f.legacy_message, tvb(offset, mlen))
  t:add(f.legacy_tag, tvb(offset + mlen + 1, 64))
  return total, preview(tvb:raw(offset, mlen))
end

-- The same rule as intact's sniff_wire_format (include/intact/wire_sniff.hpp),
-- verdict for verdict: "need_more" while the bytes are a proper prefix of
-- "INTACT" 0x01; "v1" for "INTACT" 0x01; "v1_mid_stream" when the first byte is
-- a frame type (0x01..0x05: the capture began after the hellos); else "other".
local function sniff_wire_format(head)
  local first = head:byte(1)
  if first and frame_types[first] then return "v1_mid_stream" end
  local n = math.min(#head, #V1_OPENING)
  if head:sub(1, n) ~= V1_OPENING:sub(1, n) then return "other" end
  if n < #V1_OPENING then return "need_more" end
  return "v1"
end

local function decide_format(tvb, offset, id)
  local forced = intact.prefs.format
  if forced == FORMAT_V1 then return "v1" end
  if forced == FORMAT_LEGACY then return "legacy" end
  if stream_format[id] then return stream_format[id] end
  local sniff = sniff_wire_format(tvb:raw(offset, math.min(tvb:len() - offset, #V1_OPENING)))
  if sniff == "need_more" then return nil end -- too few bytes to tell yet
  stream_format[id] = sniff == "other" and "legacy" or "v1"
  return stream_format[id]
end

function intact.dissector(tvb, pinfo, tree)
  local len = tvb:len()
  if len == 0 then return 0 end
  local id = stream_id()
  local format = decide_format(tvb, 0, id)
  if not format then
    pinfo.desegment_offset = 0
    pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
    return len
  end
  pinfo.cols.protocol = format == "v1" and "INTACT" or "INTACT-LAB"
  local summaries = {}
  local offset = 0
  while offset < len do
    local used, more
    if format == "v1" then
      used, more = dissect_v1(tvb, pinfo, tree, offset)
    else
      used, more = dissect_legacy(tvb, pinfo, tree, offset)
    end
    if used == 0 then
      -- The record continues in later segments: ask TCP to reassemble.
      pinfo.desegment_offset = offset
      pinfo.desegment_len = more
      break
    end
    summaries[#summaries + 1] = more
    offset = offset + used
  end
  if #summaries > 0 then
    pinfo.cols.info = table.concat(summaries, "; ")
  else
    pinfo.cols.info = "[intact record continues in a later segment]"
  end
  return len
end

local function heuristic(tvb, pinfo, tree)
  if not intact.prefs.heuristic then return false end
  local id = stream_id()
  if stream_format[id] ~= "v1" then
    -- On a port not ours, only a v1 hello is evidence enough (no mid-stream guess).
    if sniff_wire_format(tvb:raw(0, math.min(tvb:len(), #V1_OPENING))) ~= "v1" then return false end
    stream_format[id] = "v1"
  end
  intact.dissector(tvb, pinfo, tree)
  return true
end
intact:register_heuristic("tcp", heuristic)

local registered_port = 0
local function register_port()
  local table = DissectorTable.get("tcp.port")
  if registered_port ~= 0 then table:remove(registered_port, intact) end
  registered_port = intact.prefs.port
  if registered_port ~= 0 then table:add(registered_port, intact) end
end
intact.prefs_changed = register_port
register_port()
