-- The sandbox of Kuber's script VM (script/vm.rs), run once per VM with the full globals: Redis 7's
-- allowed globals behind a read-only global table, read-only libraries, the `redis` library, and
-- wrappers that keep `rawset`, `setmetatable`, `pcall` and `unpack` from getting around it.
-- It returns the hidden globals table (where KEYS and ARGV are set before each run) and the runner
-- that calls a script in protected mode.
local rust, version, version_num = ...
local G = _G
local rawset_, rawget_, setmetatable_, getmetatable_ = rawset, rawget, setmetatable, getmetatable
local error_, type_, tostring_, pcall_, select_, unpack_ = error, type, tostring, pcall, select, unpack
local loadstring_, next_, ipairs_ = loadstring, next, ipairs
local readonly = setmetatable_({}, {__mode = 'k'})

local function deny(level) error_('Attempt to modify a readonly table', level) end
local function deny_newindex() deny(3) end
local function meta_for(index)
  local meta = {__index = index, __newindex = deny_newindex}
  local meta_proxy = setmetatable_({}, {__index = meta, __newindex = deny_newindex, __metatable = false})
  readonly[meta_proxy] = true
  meta.__metatable = meta_proxy
  return meta
end
local function protect(t)
  local proxy = setmetatable_({}, meta_for(t))
  readonly[proxy] = true
  return proxy
end
local function pack(...) return {n = select_('#', ...), ...} end

local store = {}
local xpcall_ = xpcall
store.xpcall = function(f, handler)
  local r = pack(xpcall_(f, handler))
  if not r[1] and rust.killed() then error_(r[2], 0) end
  return unpack_(r, 1, r.n)
end
for _, name in ipairs_({'tostring', 'next', 'assert', 'tonumber', 'rawequal',
    'collectgarbage', 'rawget', 'ipairs', 'pairs', 'select', 'type', 'error', 'gcinfo',
    'getmetatable', '_VERSION'}) do
  store[name] = G[name]
end
for _, name in ipairs_({'string', 'math', 'table', 'coroutine'}) do
  if G[name] then store[name] = protect(G[name]) end
end
store.bit = protect(rust.bit)
store.cjson = protect(rust.cjson)
store.cmsgpack = protect(rust.cmsgpack)
store.rawset = function(t, k, v)
  if readonly[t] then deny(3) end
  return rawset_(t, k, v)
end
store.setmetatable = function(t, m)
  if readonly[t] then deny(3) end
  return setmetatable_(t, m)
end
-- Lua 5.1's unpack overflows on huge ranges (Redis patches it); more than LUAI_MAXCSTACK results
-- cannot fit on the stack anyway.
local tonumber_ = tonumber
store.unpack = function(t, ...)
  if type_(t) == 'table' then
    local i, j = ...
    local first, last = tonumber_(i) or 1, tonumber_(j) or #t
    if last - first >= 8000 then error_('too many results to unpack', 2) end
  end
  -- Only the arguments given: each takes a stack slot the results need.
  return unpack_(t, ...)
end
store.loadstring = function(s, name)
  -- Precompiled bytecode could break out of the sandbox.
  if type_(s) == 'string' and s:byte(1) == 27 then return nil, 'binary code is not allowed' end
  return loadstring_(s, name)
end
local load_ = load
store.load = function(reader, name)
  if type_(reader) ~= 'function' then return load_(reader, name) end
  local first = true
  return load_(function()
    local piece = reader()
    if first and type_(piece) == 'string' and #piece > 0 then
      first = false
      if piece:byte(1) == 27 then error_('binary code is not allowed', 0) end
    end
    return piece
  end, name)
end
-- Redis 7's pcall hands a script the message of a redis.call error, not the error object.
local error_text, killed = rust.error_text, rust.killed
store.pcall = function(f, ...)
  local r = pack(pcall_(f, ...))
  -- A killed script's error goes on up: a pcall loop must not keep it alive.
  if not r[1] and killed() then error_(r[2], 0) end
  if not r[1] then
    if type_(r[2]) == 'table' and type_(rawget_(r[2], 'err')) == 'string' then
      r[2] = rawget_(r[2], 'err')
    elseif type_(r[2]) == 'userdata' then
      r[2] = error_text(r[2])
    end
  end
  return unpack_(r, 1, r.n)
end

-- luaPushErrorBuff: "-CODE msg" keeps its code, anything else gets ERR.
local function error_table(s)
  local code, msg = 'ERR', s
  if s:sub(1, 1) == '-' then
    local space = s:find(' ', 1, true)
    if space then code, msg = s:sub(2, space - 1), s:sub(space + 1) else msg = s:sub(2) end
  end
  msg = msg:gsub('^[\r\n]+', ''):gsub('[\r\n]+$', '')
  return {err = code .. ' ' .. msg}
end

local redis = {}
-- Functions written in Rust, not Lua wrappers: `return redis.call(…)` is then no tail call that
-- would hide the script's line from the error.
redis.call = rust.call
redis.pcall = rust.pcall
redis.error_reply = function(...)
  if select_('#', ...) ~= 1 or type_((...)) ~= 'string' then
    return error_table('wrong number or type of arguments')
  end
  local s = ...
  if s:sub(1, 1) ~= '-' then s = '-' .. s end
  return error_table(s)
end
redis.status_reply = function(...)
  if select_('#', ...) ~= 1 or type_((...)) ~= 'string' then
    return error_table('wrong number or type of arguments')
  end
  return {ok = (...)}
end
redis.sha1hex = rust.sha1hex
redis.log = rust.log
redis.setresp = rust.setresp
redis.register_function = rust.register_function
redis.set_repl = function() end
redis.replicate_commands = function() return true end
redis.breakpoint = function() return false end
redis.debug = function() end
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
redis.REDIS_VERSION, redis.REDIS_VERSION_NUM = version, version_num
store.redis = protect(redis)
store._G = G

-- The strings' shared metatable is reachable from any script through getmetatable('').
local string_meta = getmetatable_('')
if string_meta then string_meta.__metatable = protect(string_meta) end

local runner = function(f, ...) return pcall_(f, ...) end

-- Lock the globals: empty the real table and route reads to the store.
local names = {}
for k in next_, G do names[#names + 1] = k end
for _, k in ipairs_(names) do rawset_(G, k, nil) end
setmetatable_(G, meta_for(function(_, k)
  local v = store[k]
  if v == nil then
    error_("Script attempted to access nonexistent global variable '" .. tostring_(k) .. "'", 0)
  end
  return v
end))
readonly[G] = true
return store, runner
