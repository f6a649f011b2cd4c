-- Loaded by main.lua through require, from the same directory.
local M = {}

function M.sum(t)
	local s = 0
	for _, v in ipairs(t) do
		s = s + v
	end
	return s
end

function M.min(t)
	return math.min(table.unpack(t))
end

function M.max(t)
	return math.max(table.unpack(t))
end

return M
