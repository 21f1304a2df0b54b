-- W4: `cloudtrail` | stats count dc(src) by user vendor_region
-- `user` simplified from the profile's EVAL-user (CLOUDTRAIL.md §5).
SELECT CASE
         WHEN regexp_matches(eventName, '^Put|Instances$|Volume$|Bucket$|^ConsoleLogin$')
           THEN coalesce(userIdentity->>'userName', userIdentity->'sessionContext'->'sessionIssuer'->>'userName')
         WHEN eventName = 'AssumeRole'
           THEN regexp_replace(requestParameters->>'roleArn', '^.*[:/]', '')
         ELSE userIdentity->>'userName'
       END AS "user",
       awsRegion AS vendor_region, count(*) AS count, count(DISTINCT sourceIPAddress) AS "dc(src)"
FROM read_json('{file}', format = 'newline_delimited', columns = {
    eventName: 'VARCHAR', awsRegion: 'VARCHAR', sourceIPAddress: 'VARCHAR',
    userIdentity: 'JSON', requestParameters: 'JSON'})
GROUP BY ALL ORDER BY ALL;
