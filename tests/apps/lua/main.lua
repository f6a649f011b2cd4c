-- lua main.lua DATADIR: reads DATADIR/numbers.txt and DATADIR/text.txt, then
-- writes DATADIR/out.txt (through a rename) and reads it back. A module
-- beside this script is loaded with require.
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local stats = require("stats")
local data = assert(arg[1], "usage: lua main.lua DATADIR")

local nums = {}
for line in io.lines(data .. "/numbers.txt") do
	nums[#nums + 1] = tonumber(line)
end
print(string.format("numbers: count %d sum %d min %d max %d", #nums, stats.sum(nums),
	stats.min(nums), stats.max(nums)))

local lines, words = 0, 0
local f = assert(io.open(data .. "/text.txt", "r"))
for line in f:lines() do
	lines = lines + 1
	for _ in line:gmatch("%S+") do
		words = words + 1
	end
end
f:close()
print(string.format("text: lines %d words %d", lines, words))

local tmp = data .. "/out.tmp"
local o = assert(io.open(tmp, "w"))
for i = 1, 1000 do
	o:write(string.format("line %d\n", i))
end
assert(o:close())
assert(os.rename(tmp, data .. "/out.txt"))
local r = assert(io.open(data .. "/out.txt", "r"))
local size = r:seek("end")
r:seek("set", 5)
local rest = r:read("l")
r:close()
print(string.format("out: %d bytes, at 5: %s", size, rest))
print("tmp gone:", io.open(tmp, "r") == nil)
print("remove missing:", select(2, os.remove(data .. "/missing")))
