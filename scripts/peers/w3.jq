# W3 for jq: count by eventSource eventName. Run with: jq -n -c -f w3.jq FILE
reduce inputs as $e ({}; .[$e.eventSource + " " + $e.eventName] += 1) | length
