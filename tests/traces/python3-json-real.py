import json, re, collections
words = collections.Counter()
data = []
for i in range(20000):
    d = {"id": i, "name": "item%d" % i, "tags": [str(j) for j in range(i % 7)], "v": i * 1.5}
    data.append(d)
s = json.dumps(data)
back = json.loads(s)
for d in back:
    for t in d["tags"]:
        words[t] += 1
text = " ".join(d["name"] for d in back)
found = re.findall(r"item(\d+)7", text)
print(len(s), len(found), words.most_common(3))
