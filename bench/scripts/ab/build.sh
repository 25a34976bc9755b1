#!/bin/bash
# usage: build.sh DIR   compiles DIR/src (dataplane + bench sources) with the JMH processor into
# DIR/classes and writes the class path to DIR/cp (for Ab.java). Needs ~/.m2 filled by a Maven build.
D=$1
M=~/.m2/repository
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
CP=$M/org/openjdk/jmh/jmh-core/1.37/jmh-core-1.37.jar:$M/org/agrona/agrona/2.6.0/agrona-2.6.0.jar:$M/net/sf/jopt-simple/jopt-simple/5.0.4/jopt-simple-5.0.4.jar:$M/org/apache/commons/commons-math3/3.6.1/commons-math3-3.6.1.jar:$M/com/lmax/disruptor/4.0.0/disruptor-4.0.0.jar:$M/org/jctools/jctools-core/4.0.5/jctools-core-4.0.5.jar
rm -rf "$D/classes" && mkdir -p "$D/classes"
echo "$(cd "$D" && pwd)/classes:$CP" > "$D/cp"
"$JAVA_HOME/bin/javac" --release 25 -nowarn -proc:full \
  -processorpath $M/org/openjdk/jmh/jmh-generator-annprocess/1.37/jmh-generator-annprocess-1.37.jar:$M/org/openjdk/jmh/jmh-core/1.37/jmh-core-1.37.jar \
  -cp "$CP" -d "$D/classes" $(find "$D/src" -name '*.java') 2>&1 | grep -A3 'error:' | head -20
