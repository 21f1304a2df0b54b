-- W1: the four shipped ECR detections, each one query over the file (as four saved
-- searches would run). `events` is a view over read_json with only the needed keys.
CREATE OR REPLACE VIEW events AS
SELECT * FROM read_json('{file}', format = 'newline_delimited', columns = {
    eventTime: 'VARCHAR', eventSource: 'VARCHAR', eventName: 'VARCHAR',
    awsRegion: 'VARCHAR', sourceIPAddress: 'VARCHAR', userAgent: 'VARCHAR',
    recipientAccountId: 'VARCHAR', errorCode: 'VARCHAR',
    userIdentity: 'JSON', requestParameters: 'JSON', responseElements: 'JSON'});

-- AWS ECR Container Upload Unknown User
SELECT eventName AS signature,
       coalesce(userIdentity->>'userName', userIdentity->'sessionContext'->'sessionIssuer'->>'userName') AS "user",
       userAgent AS user_agent, sourceIPAddress AS src,
       userIdentity->>'accountId' AS vendor_account, awsRegion AS vendor_region,
       'AWS CloudTrail' AS vendor_product, requestParameters->>'repositoryName' AS image,
       count(*) AS count, min(eventTime) AS firstTime, max(eventTime) AS lastTime
FROM events
WHERE eventSource = 'ecr.amazonaws.com' AND eventName = 'PutImage'
  AND coalesce(userIdentity->>'userName', '') <> 'user'
GROUP BY ALL;

-- AWS ECR Container Upload Outside Business Hours
SELECT eventName AS signature,
       coalesce(userIdentity->>'userName', userIdentity->'sessionContext'->'sessionIssuer'->>'userName') AS "user",
       userAgent AS user_agent, sourceIPAddress AS src,
       userIdentity->>'accountId' AS vendor_account, awsRegion AS vendor_region,
       'AWS CloudTrail' AS vendor_product, requestParameters->>'repositoryName' AS repository,
       count(*) AS count, min(eventTime) AS firstTime, max(eventTime) AS lastTime
FROM events
WHERE eventSource = 'ecr.amazonaws.com' AND eventName = 'PutImage'
  AND (hour(eventTime::TIMESTAMP) >= 20 OR hour(eventTime::TIMESTAMP) < 8
       OR dayofweek(eventTime::TIMESTAMP) IN (0, 6))
GROUP BY ALL;

-- AWS ECR Container Scanning Findings High
SELECT eventName AS signature, eventSource AS dest,
       coalesce(userIdentity->>'userName', userIdentity->'sessionContext'->'sessionIssuer'->>'userName') AS "user",
       userAgent AS user_agent, sourceIPAddress AS src,
       userIdentity->>'accountId' AS vendor_account, awsRegion AS vendor_region,
       'AWS CloudTrail' AS vendor_product,
       f->>'name' AS finding_name, f->>'description' AS finding_description,
       requestParameters->'imageId'->>'imageDigest' AS imageDigest,
       requestParameters->>'repositoryName' AS repository,
       count(*) AS count, min(eventTime) AS firstTime, max(eventTime) AS lastTime
FROM (SELECT *, unnest(CAST(responseElements->'imageScanFindings'->'findings' AS JSON[])) AS f
      FROM events
      WHERE eventSource = 'ecr.amazonaws.com' AND eventName = 'DescribeImageScanFindings')
WHERE f->>'severity' = 'HIGH'
GROUP BY ALL;

-- New container uploaded to AWS ECR (tstats over Cloud_Infrastructure.Compute)
SELECT coalesce(responseElements->'image'->'imageId'->>'imageDigest',
                (requestParameters->>'repositoryName') || ':' || (requestParameters->>'imageTag')) AS image_id,
       coalesce(userIdentity->>'arn', userIdentity->>'accountId', 'unknown') AS src_user,
       coalesce(sourceIPAddress, 'unknown') AS src, awsRegion AS region,
       coalesce(errorCode, 'success') AS msg, userIdentity->>'type' AS user_type,
       count(*) AS count, min(eventTime) AS firstTime, max(eventTime) AS lastTime
FROM events
WHERE eventSource = 'ecr.amazonaws.com' AND eventName = 'PutImage'
  AND userAgent = 'AWS Internal' AND coalesce(userIdentity->>'type', '') <> 'AssumeRole'
GROUP BY ALL;
