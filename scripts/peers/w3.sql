-- W3: `cloudtrail` | stats count by eventSource eventName
SELECT eventSource, eventName, count(*) AS count
FROM read_json('{file}', format = 'newline_delimited',
               columns = {eventSource: 'VARCHAR', eventName: 'VARCHAR'})
GROUP BY ALL ORDER BY ALL;
