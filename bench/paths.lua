-- wrk: ask for the paths listed in the file named by $PATHS_FILE, in turn.
local paths = {}
for line in io.lines(os.getenv("PATHS_FILE")) do
  paths[#paths + 1] = line
end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
