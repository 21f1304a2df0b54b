# W1 for jq: the ECR records the four detections look at, grouped as they group them
# (counts only). Run with: jq -n -c -f w1_detections.jq FILE
reduce (inputs | select(.eventSource == "ecr.amazonaws.com"
                        and (.eventName == "PutImage" or .eventName == "DescribeImageScanFindings"))) as $e
  ({};
   if $e.eventName == "PutImage" then
     .["upload:" + ([$e.userIdentity.userName // "", $e.sourceIPAddress, $e.awsRegion,
                     $e.requestParameters.repositoryName // ""] | join("|"))] += 1
   else
     reduce ($e.responseElements.imageScanFindings.findings // [] | .[] | select(.severity == "HIGH")) as $f
       (.; .["high:" + ([$f.name, $e.requestParameters.repositoryName // ""] | join("|"))] += 1)
   end)
| to_entries | length
